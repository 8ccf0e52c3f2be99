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

    /// <summary>Well-formed but of no use (old height, too far ahead, buffer full): dropped without blame.</summary>
    Ignored,

    /// <summary>Invalid (unknown validator, bad signature, wrong proposer, id not matching the value): dropped, sender at fault.</summary>
    Rejected,
}
