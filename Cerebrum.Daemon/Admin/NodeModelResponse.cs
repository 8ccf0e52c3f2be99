namespace Cerebrum.Daemon.Admin;

/// <summary>A model a node announces in its heartbeat.</summary>
public sealed record NodeModelResponse(string Hash, string Name, uint FreeSlots, uint QueueDepth);
