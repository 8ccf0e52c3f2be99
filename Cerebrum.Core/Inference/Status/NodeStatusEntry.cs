namespace Cerebrum.Core.Inference.Status;

/// <summary>The latest status of one node and when it arrived.</summary>
public sealed record NodeStatusEntry(VerifiedNodeStatus Status, DateTimeOffset ReceivedAt);
