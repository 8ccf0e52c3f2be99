using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Records;

namespace Cerebrum.Core.Network.Addresses;

/// <summary>
/// This host's own addresses: those other peers should dial (the announced ones, or the bound ones with wildcards
/// expanded to the interfaces' addresses), and the signed peer record over them, signed again whenever they change.
/// </summary>
/// <remarks>
/// Addresses learned later join here: relayed (/p2p-circuit) addresses once a relay reservation holds, and addresses
/// AutoNAT confirms as publicly dialable; identify, the signed record and the node heartbeat all read this one list.
/// </remarks>
internal sealed class AddressManager
{
    private readonly PrivateKey _identity;
    private readonly IReadOnlyList<Multiaddress> _announce;
    private readonly Func<IReadOnlyList<Multiaddress>> _bound;
    private readonly TimeProvider _time;
    private readonly Lock _recordLock = new();
    private Func<IReadOnlyList<Multiaddress>>[] _sources = [];
    private (PeerRecord Record, byte[] Envelope)? _record;

    /// <param name="bound">The bound listen addresses, read whenever the addresses are asked for.</param>
    public AddressManager(PeerHostOptions options, Func<IReadOnlyList<Multiaddress>> bound)
    {
        _identity = options.Identity;
        _announce = options.AnnounceAddresses;
        _bound = bound;
        _time = options.Time;
    }

    /// <summary>
    /// Addresses other peers can dial: <see cref="PeerHostOptions.AnnounceAddresses"/> when set, otherwise the bound ones
    /// with wildcard binds expanded to this machine's interface addresses; then those of the added sources.
    /// </summary>
    public IReadOnlyList<Multiaddress> Advertised
    {
        get
        {
            IEnumerable<Multiaddress> own = _announce.Count > 0
                ? _announce.Select(a => a.WithoutPeerId())
                : Direct.SelectMany(ExpandWildcard);
            return [.. own.Concat(Volatile.Read(ref _sources).SelectMany(source => source())).Distinct()];
        }
    }

    /// <summary>The bound addresses other than the relay transport's (whose <c>/p2p-circuit</c> is no address to dial).</summary>
    public IReadOnlyList<Multiaddress> Direct => [.. _bound().Where(a => !Addressing.AddressScope.IsRelayed(a))];

    /// <summary>Adds addresses learned at run time (circuit addresses while relay reservations hold, public addresses AutoNAT confirmed).</summary>
    public void AddSource(Func<IReadOnlyList<Multiaddress>> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        Func<IReadOnlyList<Multiaddress>>[] current, updated;
        do
        {
            current = Volatile.Read(ref _sources);
            updated = [.. current, source];
        }
        while (Interlocked.CompareExchange(ref _sources, updated, current) != current);
    }

    /// <summary>The signed peer record (an encoded envelope) over <paramref name="addresses"/>, signed again when they changed.</summary>
    public ReadOnlyMemory<byte> SignedPeerRecordOver(IReadOnlyList<Multiaddress> addresses)
    {
        lock (_recordLock)
        {
            if (_record is { } current && current.Record.Addresses.SequenceEqual(addresses))
                return current.Envelope;
            // Milliseconds since the epoch, as other implementations use, kept increasing within this process.
            var sequence = Math.Max((ulong)Math.Max(0, _time.GetUtcNow().ToUnixTimeMilliseconds()), (_record?.Record.Sequence ?? 0) + 1);
            var record = new PeerRecord(_identity.PeerId, sequence, addresses);
            _record = (record, record.Sign(_identity));
            return _record.Value.Envelope;
        }
    }

    private static IEnumerable<Multiaddress> ExpandWildcard(Multiaddress address)
    {
        if (!address.TryGetTcpEndpoint(out var host, out var port, out _, out _) || !IPAddress.TryParse(host, out var ip)
            || (!ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any)))
        {
            yield return address;
            yield break;
        }
        IEnumerable<IPAddress> locals;
        try
        {
            locals = NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => u.Address))
                .Where(a => a.AddressFamily == ip.AddressFamily && !a.IsIPv6LinkLocal)
                .ToArray();
        }
        catch (NetworkInformationException)
        {
            locals = [ip.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback];
        }
        foreach (var local in locals)
            yield return Multiaddress.FromEndPoint(new IPEndPoint(local, port));
    }
}
