using System.Runtime.CompilerServices;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Core.Chain.Gossip;

/// <summary>
/// Consensus over gossipsub topic <see cref="ChainTopics.Consensus"/>: publish to broadcast, the topic's subscription
/// (owned: disposing unsubscribes) to receive.
/// </summary>
public sealed class GossipConsensusTransport(GossipRouter router, Subscription subscription) : IConsensusTransport, IDisposable
{
    public async ValueTask BroadcastAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        // Consensus re-broadcasts identical messages on purpose, for peers that missed them. The payload is the message
        // itself (its id the SHA-256 of it, which nobody can vary), so a re-broadcast goes to the current mesh again and
        // reaches the peers that have not seen it or forgot it (see ReportUnused); the others drop it as a duplicate.
        await router.PublishAsync(ChainTopics.Consensus, message, resendIfSeen: true, cancellationToken);
    }

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReceiveAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in subscription.Messages(cancellationToken))
        {
            if (message.ReceivedFrom != router.LocalPeer) yield return message.Data;
        }
    }

    /// <summary>Forgets the message's id, so that its sender's next re-broadcast is delivered again.</summary>
    public void ReportUnused(ReadOnlyMemory<byte> message) => router.ForgetSeen(ChainTopics.Consensus, message);

    public void Dispose() => subscription.Dispose();
}
