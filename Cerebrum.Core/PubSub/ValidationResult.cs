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

/// <summary>Validates a message of one topic before it is delivered or forwarded.</summary>
public delegate ValueTask<ValidationResult> MessageValidator(PubSubMessage message, CancellationToken cancellationToken);
