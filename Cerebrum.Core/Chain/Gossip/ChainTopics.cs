using Cerebrum.Core.Consensus;

namespace Cerebrum.Core.Chain.Gossip;

/// <summary>
/// The chain's gossipsub topics. Each payload carries its author's own signature, so the topics run StrictNoSign with
/// message id = SHA-256 of the payload (docs/protocols.md).
/// </summary>
public static class ChainTopics
{
    /// <summary>Signed transactions before inclusion, one or a batch per message (<see cref="TransactionGossipCodec"/>); anyone publishes.</summary>
    public const string Transactions = "cerebrum/1/txs";

    /// <summary>Consensus proposals, votes and decisions (<see cref="ConsensusMessageCodec"/>); validators publish.</summary>
    public const string Consensus = "cerebrum/1/consensus";

    /// <summary>Finalized blocks with their commits (<see cref="Proto.CommittedBlock"/>); validators publish.</summary>
    public const string Blocks = "cerebrum/1/blocks";

    /// <summary>
    /// Double-signing evidence (a <see cref="DuplicateVoteEvidence"/> encoding per message), verifiable by anyone with
    /// the validator set of its height; validators publish what their consensus detects, every daemon relays what verifies.
    /// </summary>
    public const string Evidence = "cerebrum/1/evidence";
}
