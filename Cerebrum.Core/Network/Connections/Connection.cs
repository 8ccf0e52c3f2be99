using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Addressing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Core.Network.Transport;
using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Core.Network.Connections;

/// <summary>An upgraded libp2p connection: a transport's connection (TCP), secured by Noise, multiplexed by Yamux.</summary>
public sealed class Connection : IAsyncDisposable
{
    private static long s_nextId;
    private readonly TransportConnection _raw;
    private readonly NoiseSecureStream _secure;
    private readonly TimeSpan _negotiationTimeout;
    private int _closed;
    private long _rttTicks = -1;

    internal Connection(TransportConnection raw, NoiseSecureStream secure, YamuxSession session, ConnectionDirection direction,
        DateTimeOffset openedAt, TimeSpan negotiationTimeout, IConnectionScope scope)
    {
        _raw = raw;
        _secure = secure;
        Session = session;
        Direction = direction;
        LocalAddress = raw.LocalAddress;
        RemoteAddress = raw.RemoteAddress;
        OpenedAt = openedAt;
        _negotiationTimeout = negotiationTimeout;
        Scope = scope;
        Id = Interlocked.Increment(ref s_nextId);
    }

    public long Id { get; }

    public PeerId RemotePeer => _secure.RemotePeer;

    public PublicKey RemotePublicKey => _secure.RemotePublicKey;

    public ConnectionDirection Direction { get; }

    /// <summary>Our end's address (as bound); for a relayed connection, <c>/p2p-circuit</c> behind the relay's address.</summary>
    public Multiaddress LocalAddress { get; }

    /// <summary>The remote's address as seen from here (without /p2p).</summary>
    public Multiaddress RemoteAddress { get; }

    /// <summary>
    /// True when the connection runs through a circuit relay (its remote address ends in <c>/p2p-circuit</c>): it costs
    /// the relay's bandwidth, lasts only as long as the relay allows, and is replaced by a direct one when possible.
    /// </summary>
    public bool IsRelayed => AddressScope.IsRelayed(RemoteAddress);

    /// <summary>Streams open on the connection now (both directions).</summary>
    public int StreamCount => Session.StreamCount;

    public DateTimeOffset OpenedAt { get; }

    /// <summary>The most recent ping round trip, if any.</summary>
    public TimeSpan? LastRtt
    {
        get
        {
            var ticks = Interlocked.Read(ref _rttTicks);
            return ticks < 0 ? null : TimeSpan.FromTicks(ticks);
        }
        internal set => Interlocked.Exchange(ref _rttTicks, value?.Ticks ?? -1);
    }

    /// <summary>Completes when the connection has ended, for whatever reason.</summary>
    public Task Completion => Session.Completion;

    public bool IsClosed => Volatile.Read(ref _closed) != 0 || Session.IsClosed;

    internal YamuxSession Session { get; }

    /// <summary>The resource manager's account of this connection, released when it closes.</summary>
    internal IConnectionScope Scope { get; }

    /// <summary>Opens a stream and negotiates the first of <paramref name="protocols"/> the remote supports.</summary>
    /// <exception cref="ProtocolNotSupportedException">The remote supports none of them.</exception>
    public async Task<ProtocolStream> OpenStreamAsync(IReadOnlyList<string> protocols, CancellationToken ct = default)
    {
        var scope = OpenStreamScope();
        YamuxStream stream;
        try
        {
            stream = await Session.OpenStreamAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            scope.Dispose();
            throw;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_negotiationTimeout);
            var protocol = await MultistreamSelect.SelectAsync(stream, protocols, timeout.Token).ConfigureAwait(false);
            if (!scope.SetProtocol(protocol))
                throw new ResourceLimitExceededException($"the resource manager refused a stream of {protocol} to {RemotePeer}");
            return new ProtocolStream(stream, protocol, this, scope);
        }
        catch
        {
            stream.Reset();
            await stream.DisposeAsync().ConfigureAwait(false);
            scope.Dispose();
            throw;
        }
    }

    public Task<ProtocolStream> OpenStreamAsync(string protocol, CancellationToken ct = default) => OpenStreamAsync([protocol], ct);

    /// <summary>
    /// Opens a stream for <paramref name="protocol"/> without waiting for the negotiation: the multistream header and
    /// proposal go out in front of the first write, so a request costs no extra round trip. The listener's answer is
    /// checked by the first read of <see cref="ProtocolStream.Stream"/>, which throws
    /// <see cref="ProtocolNotSupportedException"/> if the remote refused (the stream is then reset). A remote that resets
    /// or ends the stream before answering is reported the same way, with the reset as the inner exception: that is how a
    /// refusal usually arrives from other implementations, which reset when they cannot read the bytes behind the
    /// proposal as another proposal (and a reset discards their unread "na"). Suits a dialer
    /// with a single choice of protocol that writes first; a first read before any write sends the proposal alone.
    /// The negotiation has no timeout of its own: it is bounded by whatever bounds the caller's first read.
    /// </summary>
    public async Task<ProtocolStream> OpenStreamLazyAsync(string protocol, CancellationToken ct = default)
    {
        MultistreamSelect.ValidateProtocol(protocol);
        var scope = OpenStreamScope();
        try
        {
            if (!scope.SetProtocol(protocol))
                throw new ResourceLimitExceededException($"the resource manager refused a stream of {protocol} to {RemotePeer}");
            var stream = await Session.OpenStreamAsync(ct).ConfigureAwait(false);
            return new ProtocolStream(stream, new LazySelectStream(stream, protocol, stream.Reset, endBeforeAnswerIsRefusal: true), protocol, this, scope);
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    private IStreamScope OpenStreamScope() =>
        Scope.OpenStream(ConnectionDirection.Outbound)
        ?? throw new ResourceLimitExceededException($"the resource manager refused a stream to {RemotePeer}");

    /// <summary>Graceful close: GoAway, flush, then the transport connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        try
        {
            await Session.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await _secure.DisposeAsync().ConfigureAwait(false);
                await _raw.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                Scope.Dispose();
            }
        }
    }

    public override string ToString() => $"{Direction} {RemotePeer} at {RemoteAddress}";
}
