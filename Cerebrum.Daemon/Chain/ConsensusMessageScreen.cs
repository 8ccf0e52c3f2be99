using Cerebrum.Core.Chain.Consensus;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Daemon.Chain;

/// <summary>
/// The check every daemon with a ledger applies to <c>cerebrum/1/consensus</c>, validator or not: the message decodes
/// and its signer's signature verifies (secp256k1 peer IDs inline their key). Whether the signer is a validator of
/// the height is for the consensus driver of validator mode.
/// </summary>
public sealed class ConsensusMessageScreen(string chainId, int maxMessageBytes)
{
    /// <param name="decidedHeight">The highest height the message shows decided somewhere (0 when none).</param>
    /// <param name="verifySignature">False when the caller verifies the signature itself (the consensus driver does).</param>
    public ValidationResult Check(ReadOnlySpan<byte> data, bool verifySignature, out long decidedHeight)
    {
        decidedHeight = 0;
        if (!ConsensusMessageCodec.TryDecode(data, maxMessageBytes, out var message, out _)) return ValidationResult.Reject;
        // A decision hands out a decided height; a vote or proposal for h shows its signer committed h - 1.
        decidedHeight = message is Decision ? message.Height : message!.Height - 1;
        if (!verifySignature) return ValidationResult.Accept;
        return message switch
        {
            SignedVote vote => Verify(vote.Validator.TryGetPublicKey() is { } key ? vote.VerifySignature(chainId, key) : null),
            SignedProposal proposal => Verify(proposal.Proposer.TryGetPublicKey() is { } key ? proposal.VerifySignature(chainId, key) : null),
            _ => ValidationResult.Accept,
        };
    }

    private static ValidationResult Verify(bool? verified) => verified switch
    {
        true => ValidationResult.Accept,
        false => ValidationResult.Reject,
        null => ValidationResult.Ignore,
    };
}
