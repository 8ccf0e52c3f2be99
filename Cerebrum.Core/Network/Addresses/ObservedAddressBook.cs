using System.Net;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Addressing;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Addresses;

/// <summary>
/// Where other peers see us: the observed address each peer reports in identify over a direct connection (the newest
/// per peer, a bounded number of peers). From them come the addresses worth having tested (AutoNAT) and offered for a
/// hole punch: each observed IP with each TCP port we listen on. The observed port itself is usually a NAT's
/// ephemeral mapping of one outbound connection, but a NAT that keeps ports maps our listen port to itself, and a
/// hole punch dials from it. Thread-safe.
/// </summary>
internal sealed class ObservedAddressBook
{
    /// <summary>Observers remembered; beyond it the oldest report goes.</summary>
    public const int MaxObservers = 64;

    /// <summary>Distinct observed IPs turned into candidates (the most reported first).</summary>
    public const int MaxIps = 4;

    private readonly Lock _gate = new();
    private readonly Dictionary<PeerId, (IPAddress Ip, long Order)> _byObserver = [];
    private long _order;

    /// <summary><paramref name="observer"/> saw us at <paramref name="observed"/>; ignored unless it is a direct IP address.</summary>
    public void Record(PeerId observer, Multiaddress observed)
    {
        ArgumentNullException.ThrowIfNull(observer);
        ArgumentNullException.ThrowIfNull(observed);
        if (!AddressScope.IsDirectTcp(observed) || AddressScope.IpOf(observed) is not { } ip)
            return;
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        lock (_gate)
        {
            _byObserver[observer] = (ip, ++_order);
            while (_byObserver.Count > MaxObservers)
                _byObserver.Remove(_byObserver.MinBy(e => e.Value.Order).Key);
        }
    }

    /// <summary>
    /// Each observed IP (most observers first, then most recent) with each port of <paramref name="listening"/> of the
    /// same family, leaving out what <paramref name="listening"/> already holds.
    /// </summary>
    public IReadOnlyList<Multiaddress> Candidates(IReadOnlyList<Multiaddress> listening)
    {
        List<IPAddress> ips;
        lock (_gate)
        {
            ips = [.. _byObserver.Values
                .GroupBy(v => v.Ip)
                .OrderByDescending(g => g.Count())
                .ThenByDescending(g => g.Max(v => v.Order))
                .Select(g => g.Key)
                .Take(MaxIps)];
        }
        var candidates = new List<Multiaddress>();
        foreach (var ip in ips)
        {
            foreach (var address in listening)
            {
                if (!address.TryGetTcpEndpoint(out var host, out var port, out var family, out var isDns) || isDns || family != ip.AddressFamily)
                    continue;
                var candidate = Multiaddress.FromEndPoint(new IPEndPoint(ip, port));
                if (!listening.Contains(candidate) && !candidates.Contains(candidate))
                    candidates.Add(candidate);
            }
        }
        return candidates;
    }
}
