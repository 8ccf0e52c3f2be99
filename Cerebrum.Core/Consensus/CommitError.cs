namespace Cerebrum.Core.Consensus;

/// <summary>Why a commit does not prove a decision.</summary>
public enum CommitError
{
    None = 0,
    Malformed,
    WrongHeight,
    WrongValue,
    UnknownValidator,
    DuplicateSigner,
    BadSignature,
    NotEnoughPower,
}
