namespace Cerebrum.Core.PubSub;

/// <summary>Why a message was not accepted, as far as scoring is concerned.</summary>
public enum RejectReason
{
    /// <summary>Failed the signature policy: only the sender is penalised (the id may be forged).</summary>
    InvalidSignature,

    /// <summary>An application validator returned Reject: the sender and everyone who sent it during validation are penalised.</summary>
    ValidationFailed,

    /// <summary>An application validator returned Ignore: nobody is penalised.</summary>
    Ignored,

    /// <summary>Dropped because the validation queue was full: nobody is penalised.</summary>
    Throttled,
}
