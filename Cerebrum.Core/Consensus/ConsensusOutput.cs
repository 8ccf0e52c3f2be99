namespace Cerebrum.Core.Consensus;

/// <summary>The result of one input to the state machine: what it made of the input, and the actions to carry out in order.</summary>
public sealed record ConsensusOutput(InputVerdict Verdict, string? Reason, IReadOnlyList<ConsensusAction> Actions);
