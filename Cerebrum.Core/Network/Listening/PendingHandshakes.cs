using System.Net;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Upgrading;

namespace Cerebrum.Core.Network.Listening;

/// <summary>
/// The inbound connections still in their handshake, and who may start one: at most <c>max</c> at once, at most
/// <c>maxPerIp</c> from one IPv4 address or IPv6 /64 (outside the exempt networks). When every slot is taken, the
/// handshake that has gone longest without a byte from its remote (at least <see cref="MinimumIdleToEvict"/>) is evicted
/// for the newcomer: an honest handshake is a few round trips of steady progress, so the one idling is the one holding
/// a slot without using it, and idle sockets, however many addresses they come from, cannot lock honest peers out.
/// </summary>
internal sealed class PendingHandshakes
{
    /// <summary>A handshake idle for less than this is never evicted: it may be an honest one between two steps.</summary>
    public static readonly TimeSpan MinimumIdleToEvict = TimeSpan.FromSeconds(1);

    private readonly Lock _sync = new();
    private readonly List<Pending> _pending = [];
    private readonly Dictionary<IPNetwork, int> _perGroup = [];
    private readonly int _max;
    private readonly int _maxPerIp;
    private readonly IReadOnlyList<IPNetwork> _exempt;

    public PendingHandshakes(int max, int maxPerIp, IReadOnlyList<IPNetwork> exempt)
    {
        _max = max;
        _maxPerIp = maxPerIp;
        _exempt = exempt;
    }

    public enum Admission
    {
        Admitted,

        /// <summary>The remote's IP (or /64) already has its share of handshakes.</summary>
        IpFull,

        /// <summary>Every slot is taken by handshakes that are all making progress.</summary>
        Full,
    }

    /// <summary>One admitted handshake; <see cref="Release"/> it when the handshake ends, however it ends.</summary>
    public sealed class Pending(RemoteIp? ip, HandshakeDeadline deadline)
    {
        internal RemoteIp? Ip { get; } = ip;

        internal HandshakeDeadline Deadline { get; } = deadline;

        internal bool Released { get; set; }
    }

    public int Count
    {
        get
        {
            lock (_sync) return _pending.Count;
        }
    }

    /// <summary>
    /// Takes a slot for a handshake from <paramref name="ip"/>, evicting the idlest one when all are taken; the caller
    /// evicts <paramref name="evicted"/> (outside this class's lock).
    /// </summary>
    public Admission TryAdmit(RemoteIp? ip, HandshakeDeadline deadline, out Pending? admitted, out HandshakeDeadline? evicted)
    {
        admitted = null;
        evicted = null;
        var group = ip is { } remote && !remote.IsIn(_exempt) ? remote.Group : (IPNetwork?)null;
        lock (_sync)
        {
            if (group is { } g && _perGroup.GetValueOrDefault(g) >= _maxPerIp)
                return Admission.IpFull;
            if (_pending.Count >= _max)
            {
                var victim = Idlest();
                if (victim is null)
                    return Admission.Full;
                RemoveLocked(victim);
                evicted = victim.Deadline;
            }
            admitted = new Pending(group is null ? null : ip, deadline);
            _pending.Add(admitted);
            if (group is { } counted)
                _perGroup[counted] = _perGroup.GetValueOrDefault(counted) + 1;
            return Admission.Admitted;
        }
    }

    /// <summary>The handshake ended (upgraded, failed, timed out or evicted); frees its slot once.</summary>
    public void Release(Pending pending)
    {
        lock (_sync)
        {
            if (!pending.Released)
                RemoveLocked(pending);
        }
    }

    private Pending? Idlest()
    {
        Pending? idlest = null;
        var longest = MinimumIdleToEvict;
        foreach (var pending in _pending)
        {
            var idle = pending.Deadline.Idle;
            if (idle >= longest)
                (idlest, longest) = (pending, idle);
        }
        return idlest;
    }

    private void RemoveLocked(Pending pending)
    {
        pending.Released = true;
        _pending.Remove(pending);
        if (pending.Ip is { Group: var group })
        {
            var left = _perGroup[group] - 1;
            if (left == 0) _perGroup.Remove(group);
            else _perGroup[group] = left;
        }
    }
}
