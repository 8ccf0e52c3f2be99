using Cerebrum.Core.Inference.Hardware;

namespace Cerebrum.Core.Operator.Admin;

/// <summary>One node's latest heartbeat, as <c>GET /nodes</c> lists it.</summary>
/// <param name="Timestamp">When the node built the status (its clock).</param>
/// <param name="ReceivedAt">When this daemon accepted it (our clock).</param>
/// <param name="PricePerRequest">Micro-CER per request.</param>
/// <param name="Addresses">Where the node accepts connections, as it signed them.</param>
public sealed record NodeResponse(
    string PeerId,
    DateTimeOffset Timestamp,
    ulong Sequence,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<NodeModelResponse> Models,
    uint FreeSlots,
    uint QueueDepth,
    ulong PricePerRequest,
    NodeHardwareResponse Hardware,
    IReadOnlyList<string> Addresses);

/// <summary>A model a node announces in its heartbeat.</summary>
public sealed record NodeModelResponse(string Hash, string Name, uint FreeSlots, uint QueueDepth);

/// <summary>The hardware a node announces in its heartbeat.</summary>
public sealed record NodeHardwareResponse(string CpuModel, uint LogicalCores, ulong MemoryBytes, string OperatingSystem, string Architecture, IReadOnlyList<GpuInfo> Gpus);
