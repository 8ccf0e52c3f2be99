namespace Cerebrum.Cli.Admin;

/// <summary>One element of the admin API's <c>GET /nodes</c> body: a node's latest heartbeat (cerebrumd's Admin/NodeResponse, the fields shown here).</summary>
public sealed record NodeResponse(
    string PeerId,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<NodeModelResponse> Models,
    uint FreeSlots,
    uint QueueDepth,
    ulong PricePerRequest,
    IReadOnlyList<string>? Addresses);

/// <summary>A model a node announces in its heartbeat.</summary>
public sealed record NodeModelResponse(string Hash, string Name, uint FreeSlots, uint QueueDepth);
