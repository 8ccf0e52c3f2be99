namespace Cerebrum.Core.Consensus;

/// <summary>What the state machine did with an input message.</summary>
public enum InputVerdict
{
    /// <summary>New and valid: recorded.</summary>
    Accepted,

    /// <summary>Already known: no state change.</summary>
    Duplicate,

    /// <summary>For a future height: kept until that height starts (signature checked then).</summary>
    Buffered,

    /// <summary>Well-formed but of no use, now or later (an old height, a duplicate conflicting vote): dropped without blame.</summary>
    Ignored,

    /// <summary>
    /// Well-formed and perhaps of use later, but not kept now (too far ahead, a full buffer, not started): dropped
    /// without blame, and a later copy should be delivered again (the host's transport must not count it as seen).
    /// </summary>
    Dropped,

    /// <summary>Invalid (unknown validator, bad signature, wrong proposer, id not matching the value): dropped, sender at fault.</summary>
    Rejected,
}
