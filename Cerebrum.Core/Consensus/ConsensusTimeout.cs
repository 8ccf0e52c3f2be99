namespace Cerebrum.Core.Consensus;

/// <summary>A timer to fire back into the state machine; it ignores timers whose height or round has passed.</summary>
public readonly record struct ConsensusTimeout(long Height, int Round, TimeoutKind Kind);
