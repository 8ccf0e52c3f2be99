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
    // Random start: a restarted validator must not repeat the (payload, nonce) pairs its peers have already seen.
    private long _nonce = BitConverter.ToInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) & long.MaxValue;

    public async ValueTask BroadcastAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        // Consensus re-broadcasts identical messages on purpose, for peers that missed or dropped them. StrictNoSign
        // ids are the payload's SHA-256, so each broadcast carries a fresh gossip nonce: a peer that saw an earlier copy
        // while its consensus was at another height, and so ignored it, receives this one (its driver drops duplicates).
        var payload = ConsensusMessageCodec.WithGossipNonce(message.Span, (ulong)Interlocked.Increment(ref _nonce));
        await router.PublishAsync(ChainTopics.Consensus, payload, resendIfSeen: true, cancellationToken);
    }

    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReceiveAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var message in subscription.Messages(cancellationToken))
        {
            if (message.ReceivedFrom != router.LocalPeer) yield return message.Data;
        }
    }

    public void Dispose() => subscription.Dispose();
}
