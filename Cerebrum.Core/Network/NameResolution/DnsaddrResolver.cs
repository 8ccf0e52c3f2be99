using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.NameResolution;

/// <summary>
/// Resolves <c>/dnsaddr/&lt;domain&gt;[/p2p/&lt;id&gt;]</c> bootstrap addresses as libp2p does (libp2p/specs addressing): the
/// TXT records of <c>_dnsaddr.&lt;domain&gt;</c> whose text is <c>dnsaddr=&lt;multiaddr&gt;</c> are the addresses; those that
/// are /dnsaddr themselves are resolved in turn, at most <see cref="MaxDepth"/> deep and <see cref="MaxQueries"/>
/// lookups in all; when the address names a peer, only entries for that peer are kept. Other addresses pass through.
/// </summary>
public sealed class DnsaddrResolver
{
    public const int MaxDepth = 4;
    public const int MaxQueries = 32;
    public const int MaxAddresses = 64;
    private const string EntryPrefix = "dnsaddr=";
    private readonly Func<string, CancellationToken, Task<IReadOnlyList<string>>> _txt;

    public DnsaddrResolver(DnsClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        _txt = client.QueryTxtAsync;
    }

    /// <summary>For tests and other TXT sources.</summary>
    public DnsaddrResolver(Func<string, CancellationToken, Task<IReadOnlyList<string>>> txt)
    {
        ArgumentNullException.ThrowIfNull(txt);
        _txt = txt;
    }

    public static bool IsDnsaddr(Multiaddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.Components[0].Name == "dnsaddr";
    }

    /// <summary>The addresses <paramref name="address"/> stands for (itself when it is not /dnsaddr).</summary>
    /// <exception cref="DnsException">A lookup failed, or the records form a loop or go too deep.</exception>
    public async Task<IReadOnlyList<Multiaddress>> ResolveAsync(Multiaddress address, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        var results = new List<Multiaddress>();
        var queries = 0;
        await ResolveIntoAsync(address, 0, results, () => ++queries, ct).ConfigureAwait(false);
        return results;
    }

    private async Task ResolveIntoAsync(Multiaddress address, int depth, List<Multiaddress> results, Func<int> countQuery, CancellationToken ct)
    {
        if (!IsDnsaddr(address))
        {
            if (results.Count < MaxAddresses && !results.Contains(address))
                results.Add(address);
            return;
        }
        if (depth >= MaxDepth)
            throw new DnsException($"/dnsaddr records nest deeper than {MaxDepth} at {address}");
        if (countQuery() > MaxQueries)
            throw new DnsException($"/dnsaddr resolution needed more than {MaxQueries} lookups");
        var domain = address.Components[0].Value!;
        var peer = address.PeerId;
        var records = await _txt("_dnsaddr." + domain, ct).ConfigureAwait(false);
        foreach (var record in records)
        {
            if (!record.StartsWith(EntryPrefix, StringComparison.Ordinal))
                continue;
            if (!Multiaddress.TryParse(record[EntryPrefix.Length..], out var entry, out _))
                continue; // a transport we do not know, or a typo in someone's zone: the other entries still count
            if (peer is not null && !SamePeer(entry, peer))
                continue;
            await ResolveIntoAsync(entry, depth + 1, results, countQuery, ct).ConfigureAwait(false);
        }
    }

    /// <summary>An entry is for <paramref name="peer"/> when it ends in its /p2p (nested /dnsaddr entries without one may still lead to it).</summary>
    private static bool SamePeer(Multiaddress entry, PeerId peer) =>
        entry.PeerId is { } id ? id == peer : IsDnsaddr(entry);
}
