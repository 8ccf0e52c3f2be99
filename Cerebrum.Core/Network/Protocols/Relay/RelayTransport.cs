using System.Threading.Channels;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Addressing;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Core.Network.Transport;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// Circuit relay v2 as a transport of the host. Dialing <c>&lt;relay&gt;/p2p/&lt;relay-id&gt;/p2p-circuit/p2p/&lt;target&gt;</c>
/// connects to the relay, opens a hop stream and asks for a circuit to the target; the stream is then the raw
/// connection that the host secures and multiplexes like a TCP one (Noise and Yamux run end to end, the relay sees
/// only ciphertext). Listening on <c>/p2p-circuit</c> yields the circuits that relays open to us with stop streams
/// (<see cref="RelayService"/> accepts them only from relays we hold reservations on).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "the listener it hands out is owned and disposed by the host's listener")]
public sealed class RelayTransport : ITransport
{
    /// <summary>What a host listens on to accept relayed connections.</summary>
    public static readonly Multiaddress ListenAddress = Multiaddress.Parse("/p2p-circuit");

    private readonly PeerHost _host;
    private readonly Lock _gate = new();
    private RelayTransportListener? _listener;

    public RelayTransport(PeerHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _host = host;
    }

    /// <summary>A circuit address that names its target.</summary>
    public bool CanDial(Multiaddress address) => CircuitAddress.TryParse(address, out _, out _, out var target) && target is not null;

    public bool CanListen(Multiaddress address) => address == ListenAddress;

    /// <exception cref="DialException">The relay cannot be reached, or refused the circuit (the reason names its status).</exception>
    public async Task<TransportConnection> DialAsync(Multiaddress address, DialOptions options, CancellationToken ct)
    {
        if (!CircuitAddress.TryParse(address, out var relayAddress, out var relay, out var target) || target is null)
            throw new ArgumentException($"'{address}' is not a circuit address that names its target", nameof(address));
        if (relay == _host.PeerId)
            throw new DialException(DialFailureReason.InvalidAddress, "refusing to relay through ourselves");
        Connection toRelay;
        try
        {
            toRelay = relayAddress.Components.Count > 1
                ? await _host.DialAsync(relayAddress, ct).ConfigureAwait(false)
                : await _host.ConnectAsync(relay, ct).ConfigureAwait(false);
        }
        catch (DialException e)
        {
            throw new DialException(e.Reason, $"relay {relay}: {e.Message}", e);
        }
        if (toRelay.IsRelayed)
            throw new DialException(DialFailureReason.Unreachable, $"relay {relay} is only reachable through another relay");
        ProtocolStream hop;
        try
        {
            hop = await toRelay.OpenStreamAsync(RelayMessages.HopProtocolId, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Multistream.ProtocolNotSupportedException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            throw new DialException(DialFailureReason.NegotiationFailed, $"{relay} is not a relay: {e.Message}", e);
        }
        try
        {
            await RelayProtocol.ConnectAsync(hop.Stream, target, ct).ConfigureAwait(false);
        }
        catch (RelayRefusedException e)
        {
            await hop.DisposeAsync().ConfigureAwait(false);
            throw new DialException(DialFailureReason.Unreachable, $"relay {relay} refused a circuit to {target}: {e.Status}", e);
        }
        catch
        {
            hop.Reset();
            await hop.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var through = CircuitThrough(toRelay);
        return new TransportConnection(hop.Stream, ListenAddress, through, new StreamOwner(hop));
    }

    /// <exception cref="InvalidOperationException">Already listening.</exception>
    public ITransportListener Listen(Multiaddress address)
    {
        if (!CanListen(address))
            throw new ArgumentException($"the relay transport listens on /p2p-circuit only, not '{address}'", nameof(address));
        lock (_gate)
        {
            if (_listener is { IsClosed: false })
                throw new InvalidOperationException("already listening on /p2p-circuit");
            return _listener = new RelayTransportListener();
        }
    }

    /// <summary>
    /// Hands an accepted stop stream to the listener as an inbound raw connection; completes when that connection has
    /// ended (the stream must stay open until then). False when nothing listens on <c>/p2p-circuit</c>.
    /// </summary>
    internal async Task<bool> DeliverAsync(ProtocolStream stop, CancellationToken ct)
    {
        RelayTransportListener? listener;
        lock (_gate)
            listener = _listener;
        if (listener is null || listener.IsClosed)
            return false;
        var through = CircuitThrough(stop.Connection);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var raw = new TransportConnection(stop.Stream, through, through, new Signal(ended));
        if (!listener.TryDeliver(raw))
            return false;
        await using (ct.Register(() => ended.TrySetResult()))
            await ended.Task.ConfigureAwait(false);
        return true;
    }

    /// <summary>The relayed address through the relay at the other end of <paramref name="toRelay"/>: its address, its ID, <c>/p2p-circuit</c>.</summary>
    private static Multiaddress CircuitThrough(Connection toRelay) =>
        CircuitAddress.Through(toRelay.RemoteAddress.WithPeerId(toRelay.RemotePeer));

    /// <summary>Disposes the hop stream (and its resource scope) with the raw connection.</summary>
    private sealed class StreamOwner(ProtocolStream stream) : IDisposable
    {
        public void Dispose() => stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private sealed class Signal(TaskCompletionSource ended) : IDisposable
    {
        public void Dispose() => ended.TrySetResult();
    }

    private sealed class RelayTransportListener : ITransportListener
    {
        // Bounded like the TCP backlog; the host's cap on handshakes in progress applies after it.
        private readonly Channel<TransportConnection> _accepted = Channel.CreateBounded<TransportConnection>(
            new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.Wait });

        public Multiaddress Address => ListenAddress;

        public bool IsClosed { get; private set; }

        public bool TryDeliver(TransportConnection raw) => _accepted.Writer.TryWrite(raw);

        public async ValueTask<TransportConnection?> AcceptAsync(CancellationToken ct)
        {
            try
            {
                return await _accepted.Reader.ReadAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
            {
                return null;
            }
        }

        public void Dispose()
        {
            IsClosed = true;
            _accepted.Writer.TryComplete();
            // Circuits delivered but not yet accepted end here: their relays see the streams close.
            while (_accepted.Reader.TryRead(out var raw))
                raw.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
