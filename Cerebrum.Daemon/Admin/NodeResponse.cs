using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Status;

namespace Cerebrum.Daemon.Admin;

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
    IReadOnlyList<string> Addresses)
{
    public static NodeResponse From(NodeStatusEntry entry)
    {
        var status = entry.Status.Status;
        var hardware = status.Hardware;
        return new NodeResponse(entry.Status.Node.ToString(), entry.Status.Timestamp, status.Sequence, entry.ReceivedAt,
            [.. status.Models.Select(m => new NodeModelResponse(m.Hash, m.Name, m.FreeSlots, m.QueueDepth))],
            status.FreeSlots, status.QueueDepth, status.PricePerRequest,
            new NodeHardwareResponse(hardware?.CpuModel ?? "", hardware?.LogicalCores ?? 0, hardware?.MemoryBytes ?? 0,
                hardware?.OperatingSystem ?? "", hardware?.Architecture ?? "",
                [.. (hardware?.Gpus ?? []).Select(g => new GpuInfo(g.Name, (long)Math.Min(g.MemoryBytes, long.MaxValue), g.Driver))]),
            [.. entry.Status.Addresses.Select(a => a.ToString())]);
    }
}
