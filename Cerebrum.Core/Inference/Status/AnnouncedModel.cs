namespace Cerebrum.Core.Inference.Status;

/// <summary>One model of a node's heartbeat and the node's load on it.</summary>
/// <param name="FreeSlots">Runs that could start now on the node.</param>
/// <param name="QueueDepth">Requests waiting to run on the node.</param>
public sealed record AnnouncedModel(ServedModel Model, uint FreeSlots, uint QueueDepth);
