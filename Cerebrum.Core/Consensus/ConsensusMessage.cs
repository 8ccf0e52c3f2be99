namespace Cerebrum.Core.Consensus;

/// <summary>A message of the consensus protocol: a <see cref="SignedProposal"/>, a <see cref="SignedVote"/> or a <see cref="Decision"/>.</summary>
public abstract class ConsensusMessage
{
    private protected ConsensusMessage()
    {
    }

    public abstract long Height { get; }

    /// <summary>Roughly the bytes this message holds (its encoding's size), for the bounds on what is buffered or queued.</summary>
    public abstract long Size { get; }
}
