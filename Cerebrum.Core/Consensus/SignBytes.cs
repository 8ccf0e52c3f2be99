using Cerebrum.Core.Consensus.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// The canonical bytes validators sign: the protobuf <c>CanonicalVote</c> / <c>CanonicalProposal</c>. The chain ID
/// is inside, so a signature cannot be replayed on another network; the type is inside, so a prevote cannot pass for
/// a precommit or a proposal.
/// </summary>
public static class SignBytes
{
    public static byte[] ForVote(string chainId, VoteType type, long height, int round, ReadOnlySpan<byte> valueId) =>
        new CanonicalVote
        {
            Type = (SignedMessageType)type,
            Height = height,
            Round = round,
            ValueId = ByteString.CopyFrom(valueId),
            ChainId = chainId,
        }.ToByteArray();

    public static byte[] ForProposal(string chainId, long height, int round, int validRound, ReadOnlySpan<byte> valueId) =>
        new CanonicalProposal
        {
            Type = SignedMessageType.Proposal,
            Height = height,
            Round = round,
            PolRound = validRound,
            ValueId = ByteString.CopyFrom(valueId),
            ChainId = chainId,
        }.ToByteArray();
}
