namespace Cerebrum.Core.Consensus;

/// <summary>The timers of the state machine.</summary>
public enum TimeoutKind
{
    /// <summary>OnTimeoutPropose (line 57).</summary>
    Propose,

    /// <summary>OnTimeoutPrevote (line 61).</summary>
    Prevote,

    /// <summary>OnTimeoutPrecommit (line 65).</summary>
    Precommit,

    /// <summary>End of the commit delay after a decision: start the next height.</summary>
    NewHeight,

    /// <summary>Re-send own messages of the current round.</summary>
    Rebroadcast,
}
