using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// A relayed connection the relay admitted: its ends and limit, and the bytes and time it has used. The bridge that
/// copies bytes asks <see cref="Allow"/> before each forward and resets both streams when it returns less than asked
/// or the deadline passes. Closing it (once) gives its slot back to the relay.
/// </summary>
public sealed class RelayCircuit
{
    private readonly Lock _gate = new();
    private readonly RelayServer _server;
    private ulong _toTarget;
    private ulong _toSource;
    private int _closed;
    private bool _established;

    internal RelayCircuit(RelayServer server, PeerId source, PeerId target, RelayLimit limit, DateTimeOffset opened)
    {
        _server = server;
        Source = source;
        Target = target;
        Limit = limit;
        Opened = opened;
    }

    public PeerId Source { get; }
    public PeerId Target { get; }
    public RelayLimit Limit { get; }
    public DateTimeOffset Opened { get; }

    /// <summary>When the circuit must end, or null without a duration limit.</summary>
    public DateTimeOffset? Deadline => Limit.Duration is { } duration ? Opened + duration : null;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>
    /// How many of <paramref name="count"/> bytes may go in one direction now (toward the target when
    /// <paramref name="towardTarget"/>), and counts them: fewer than asked when the data limit is reached, 0 once it is
    /// or once the deadline has passed.
    /// </summary>
    public int Allow(bool towardTarget, int count, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            if (IsClosed || Deadline is { } deadline && now >= deadline)
                return 0;
            ref var used = ref (towardTarget ? ref _toTarget : ref _toSource);
            var allowed = (ulong)count;
            if (Limit.DataBytes is { } cap)
                allowed = Math.Min(allowed, cap - Math.Min(cap, used));
            used += allowed;
            return (int)allowed;
        }
    }

    /// <summary>Bytes forwarded toward the target and toward the source so far.</summary>
    public (ulong TowardTarget, ulong TowardSource) Forwarded
    {
        get
        {
            lock (_gate)
                return (_toTarget, _toSource);
        }
    }

    /// <summary>The target accepted: the hop answer to send the source (STATUS OK with the limit).</summary>
    public byte[] Established()
    {
        lock (_gate)
            _established = true;
        return RelayMessages.EncodeHopStatus(RelayStatus.Ok, Limit);
    }

    /// <summary>The stop leg failed: the hop answer to send the source (CONNECTION_FAILED); the circuit is closed.</summary>
    public byte[] Failed()
    {
        Close();
        return RelayMessages.EncodeHopStatus(RelayStatus.ConnectionFailed);
    }

    public bool WasEstablished
    {
        get
        {
            lock (_gate)
                return _established;
        }
    }

    /// <summary>Ends the circuit and gives its slot back; further calls do nothing.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
            _server.Release(this);
    }
}
