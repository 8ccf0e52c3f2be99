namespace Cerebrum.Core.PubSub;

/// <summary>An application validator's verdict (gossipsub-v1.1, "Extended Validators").</summary>
public enum ValidationResult
{
    /// <summary>Deliver and forward.</summary>
    Accept,

    /// <summary>Invalid: drop, and penalise the senders (P₄).</summary>
    Reject,

    /// <summary>Drop without penalty (e.g. stale or not of interest).</summary>
    Ignore,
}

