namespace Cerebrum.Core.PubSub;

/// <summary>Validates a message of one topic before it is delivered or forwarded.</summary>
public delegate ValueTask<ValidationResult> MessageValidator(PubSubMessage message, CancellationToken cancellationToken);
