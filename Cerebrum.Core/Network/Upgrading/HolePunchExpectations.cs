using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Network.Upgrading;

/// <summary>
/// Inbound connections that must take the initiator's side of the handshake. In a hole punch both peers dial and DCUtR
/// has said which of them initiates the handshake; behind NATs the two dials meet as one TCP simultaneous open, but
/// with no NAT in between (a LAN, loopback) the responder's dial lands on the initiator's listener as a plain inbound
/// connection. The initiator expects that connection from the responder's punched address, and its listener then
/// takes the initiator's role and requires that peer. Expectations are short-lived and keyed by exact address.
/// </summary>
internal sealed class HolePunchExpectations
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Multiaddress, (PeerId Peer, DateTimeOffset Until)> _expected = [];
    private readonly TimeProvider _time;

    public HolePunchExpectations(TimeProvider time) => _time = time;

    /// <summary>Expects <paramref name="peer"/> to connect from <paramref name="addresses"/> within <paramref name="lifetime"/>; disposing ends it.</summary>
    public IDisposable Expect(IEnumerable<Multiaddress> addresses, PeerId peer, TimeSpan lifetime)
    {
        var until = _time.GetUtcNow() + lifetime;
        var keys = addresses.Select(a => a.WithoutPeerId()).Distinct().ToList();
        lock (_gate)
        {
            foreach (var key in keys)
                _expected[key] = (peer, until);
        }
        return new Expectation(this, keys, peer);
    }

    /// <summary>The peer expected to connect from <paramref name="remote"/> now, or null for an ordinary inbound connection.</summary>
    public PeerId? Match(Multiaddress remote)
    {
        lock (_gate)
        {
            if (_expected.Count == 0 || !_expected.TryGetValue(remote, out var entry))
                return null;
            if (entry.Until > _time.GetUtcNow())
                return entry.Peer;
            _expected.Remove(remote);
            return null;
        }
    }

    private void Remove(List<Multiaddress> keys, PeerId peer)
    {
        lock (_gate)
        {
            foreach (var key in keys)
            {
                if (_expected.TryGetValue(key, out var entry) && entry.Peer == peer)
                    _expected.Remove(key);
            }
        }
    }

    private sealed class Expectation(HolePunchExpectations owner, List<Multiaddress> keys, PeerId peer) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                owner.Remove(keys, peer);
        }
    }
}
