using Cerebrum.Core.Chain.Validators;

namespace Cerebrum.Core.Chain;

/// <summary>
/// Checks a finalized block's commit, which this layer treats as opaque bytes (the consensus layer defines them):
/// that it proves more than two thirds of <paramref name="validators"/>' power signed block
/// <paramref name="blockHash"/> at <paramref name="height"/>.
/// </summary>
public interface ICommitVerifier
{
    CommitVerification Verify(ReadOnlySpan<byte> commit, ulong height, ReadOnlySpan<byte> blockHash, ValidatorSet validators);
}
