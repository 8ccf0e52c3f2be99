namespace Cerebrum.Core.Chain;

public sealed class BlockCommittedEventArgs(FinalizedBlock block, ChainStatus status) : EventArgs
{
    public FinalizedBlock Block { get; } = block;

    public ChainStatus Status { get; } = status;
}
