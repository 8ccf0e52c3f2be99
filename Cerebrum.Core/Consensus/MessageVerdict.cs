namespace Cerebrum.Core.Consensus;

/// <summary>What <see cref="ConsensusMessageFilter"/> makes of a consensus message received from the network.</summary>
public enum MessageVerdict
{
    /// <summary>Well-formed and signed by whom it names (a validator of the height, where that set is at hand).</summary>
    Valid,

    /// <summary>Malformed, badly signed, or signed by a non-validator: the sender is at fault.</summary>
    Invalid,

    /// <summary>Well-formed but of no use here: for a height long past or too far ahead, or its signer's key cannot be known.</summary>
    Irrelevant,
}
