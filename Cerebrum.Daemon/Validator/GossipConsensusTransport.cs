using System.Runtime.CompilerServices;
using Cerebrum.Core.Chain.Consensus;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Daemon.Validator;

/// <summary>Consensus over gossipsub topic <c>cerebrum/1/consensus</c>: publish to broadcast, the topic's subscription to receive.</summary>
public sealed class GossipConsensusTransport(GossipRouter router, Subscription subscription) : IConsensusTransport
{
    public async ValueTask BroadcastAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        // Consensus re-broadcasts identical messages on purpose, for peers that missed them (StrictNoSign ids are the
        // payload's SHA-256, so a plain publish would refuse them as already seen).
        await router.PublishAsync(ConsensusDriver.Topic, message, resendIfSeen: true, cancellationToken);
    }

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReceiveAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in subscription.Messages(cancellationToken))
        {
            if (message.ReceivedFrom != router.LocalPeer) yield return message.Data;
        }
    }
}
