using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /nodes</c>: the latest heartbeat of each node heard on <c>cerebrum/1/status</c>, most recent first.</summary>
public static class NodeDirectoryEndpoints
{
    public static IEndpointRouteBuilder MapNodeDirectoryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.Nodes, (NodeDirectoryService directory) => directory.Book.Snapshot().Select(Describe).ToList());
        return endpoints;
    }

    /// <summary>A heartbeat as the admin API lists it (Cerebrum Cloud shows the same record).</summary>
    public static NodeResponse Describe(NodeStatusEntry entry)
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
