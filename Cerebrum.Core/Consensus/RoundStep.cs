namespace Cerebrum.Core.Consensus;

/// <summary>The paper's step_p: where a validator is within a round. Ordered, so "step ≥ prevote" is a comparison.</summary>
public enum RoundStep
{
    Propose = 0,
    Prevote = 1,
    Precommit = 2,
}
