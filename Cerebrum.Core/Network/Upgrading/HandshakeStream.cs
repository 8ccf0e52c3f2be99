using Cerebrum.Core.Network.Transport;

namespace Cerebrum.Core.Network.Upgrading;

/// <summary>
/// A raw connection's stream that, while the handshake runs, reports every byte the remote sends to the handshake's
/// <see cref="HandshakeDeadline"/> (which re-arms its step timer and tells the listener the handshake is alive). After
/// <see cref="EndHandshake"/> it only passes calls through: the secured and muxed connection keeps reading through it.
/// </summary>
internal sealed class HandshakeStream(Stream inner, HandshakeDeadline deadline) : PassThroughStream(inner)
{
    private HandshakeDeadline? _deadline = deadline;

    /// <summary>The handshake is over: stop reporting.</summary>
    public void EndHandshake() => Volatile.Write(ref _deadline, null);

    public override int Read(byte[] buffer, int offset, int count) => Received(Inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Received(Inner.Read(buffer));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _deadline) is null ? Inner.ReadAsync(buffer, cancellationToken) : ReadReportingAsync(buffer, cancellationToken);

    private async ValueTask<int> ReadReportingAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Received(await Inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Received(int count)
    {
        if (count > 0)
            Volatile.Read(ref _deadline)?.OnReceived();
        return count;
    }
}
