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
}
