namespace Cerebrum.Core.Consensus;

/// <summary>
/// How a <see cref="ConsensusDriver"/> reaches the other validators: e.g. a gossipsub topic (publish = broadcast, the
/// topic's subscription = receive), with <see cref="ConsensusMessageFilter"/> as the topic's message check.
/// </summary>
public interface IConsensusTransport
{
    /// <summary>Sends an encoded consensus message to all validators (best effort; consensus re-sends what matters).</summary>
    ValueTask BroadcastAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken);

    /// <summary>Encoded consensus messages from other validators, until cancelled.</summary>
    IAsyncEnumerable<ReadOnlyMemory<byte>> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A received message (exactly as <see cref="ReceiveAsync"/> gave it) that consensus did not keep though it may
    /// need it later (a full queue or buffer, too far ahead, a driver replaced): a transport that drops repeats of what
    /// it delivered must deliver a later copy of this one (e.g. gossip forgets its message id), so that the
    /// sender's re-broadcast reaches it.
    /// </summary>
    void ReportUnused(ReadOnlyMemory<byte> message)
    {
    }
}
