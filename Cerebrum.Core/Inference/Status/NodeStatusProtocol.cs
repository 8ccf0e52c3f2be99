using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Streams;

namespace Cerebrum.Core.Inference.Status;

/// <summary>
/// <c>/cerebrum/status/1.0.0</c>: ask a node directly for its signed status, the same bytes it publishes as its
/// heartbeat on <c>cerebrum/1/status</c> (a <c>SignedNodeStatus</c>), so that a gateway that found the node through the
/// DHT's provider records can route to it without having heard its heartbeat. The asker opens the stream and closes its
/// side without writing; the node writes one varint-length-prefixed message and closes. The answer is verified like
/// any heartbeat (<see cref="NodeStatusValidator"/>), so the node can only say what it could have published.
/// </summary>
public static class NodeStatusProtocol
{
    public const string ProtocolId = "/cerebrum/status/1.0.0";

    /// <summary>The node's side: writes <paramref name="signedStatus"/> and closes the stream.</summary>
    public static async Task ServeAsync(ProtocolStream stream, ReadOnlyMemory<byte> signedStatus, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await LengthPrefixedMessage.WriteAsync(stream.Stream, signedStatus, ct).ConfigureAwait(false);
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The asker's side: the node's signed status, at most <paramref name="maxBytes"/> long (unverified: validate it).</summary>
    /// <exception cref="InvalidDataException">The node closed without an answer, or sent one over <paramref name="maxBytes"/>.</exception>
    public static async Task<byte[]> RequestAsync(Connection connection, int maxBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var stream = await connection.OpenStreamAsync(ProtocolId, ct).ConfigureAwait(false);
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
        return await LengthPrefixedMessage.ReadAsync(stream.Stream, maxBytes, ct).ConfigureAwait(false)
               ?? throw new InvalidDataException($"{connection.RemotePeer} closed the status stream without an answer");
    }
}
