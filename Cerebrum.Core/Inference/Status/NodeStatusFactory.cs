using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Hardware;
using Cerebrum.Core.Inference.Scheduling;
using Cerebrum.Core.Inference.Status.Proto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Network.Multiaddr;
using Google.Protobuf;

namespace Cerebrum.Core.Inference.Status;

/// <summary>Builds a node's <see cref="NodeStatus"/> from what its engine serves and the hardware it runs on.</summary>
public static class NodeStatusFactory
{
    /// <param name="models">Each served model with its current statistics.</param>
    /// <param name="pricePerRequest">Micro-CER per request.</param>
    /// <param name="addresses">Where the node can be dialled; a /p2p suffix is dropped (the status names the node).</param>
    public static NodeStatus Create(PeerId node, DateTimeOffset now, ulong sequence, IEnumerable<(ModelInfo Model, ModelStatistics Statistics)> models,
        ulong pricePerRequest, HardwareInfo hardware, IEnumerable<Multiaddress>? addresses = null)
    {
        var status = new NodeStatus
        {
            NodePeerId = ByteString.CopyFrom(node.Bytes.Span),
            TimestampUnixMs = now.ToUnixTimeMilliseconds(),
            Sequence = sequence,
            PricePerRequest = pricePerRequest,
            Hardware = Summarize(hardware),
        };
        foreach (var address in addresses ?? [])
            status.Addresses.Add(ByteString.CopyFrom(address.WithoutPeerId().ToBytes()));
        foreach (var (model, statistics) in models)
        {
            var advert = new ModelAdvert
            {
                Hash = model.Hash,
                Name = model.Name,
                FreeSlots = (uint)Math.Max(0, statistics.MaxConcurrency - statistics.Running),
                QueueDepth = (uint)Math.Max(0, statistics.QueueDepth),
                Task = model.Task,
            };
            advert.Inputs.AddRange(model.Inputs.Select(NodeStatusModels.ToWire));
            advert.Outputs.AddRange(model.Outputs.Select(NodeStatusModels.ToWire));
            status.Models.Add(advert);
            if (model.TextEncoding is { } encoding)
                status.TextEncodings.Add(NodeStatusModels.ToWire(model.Hash, encoding));
            status.FreeSlots += advert.FreeSlots;
            status.QueueDepth += advert.QueueDepth;
        }
        return status;
    }

    public static HardwareSummary Summarize(HardwareInfo hardware)
    {
        var summary = new HardwareSummary
        {
            CpuModel = hardware.CpuModel,
            LogicalCores = (uint)Math.Max(0, hardware.LogicalCores),
            MemoryBytes = (ulong)Math.Max(0, hardware.MemoryBytes),
            OperatingSystem = hardware.OperatingSystem,
            Architecture = hardware.Architecture,
        };
        summary.Gpus.AddRange(hardware.Gpus.Select(g => new GpuSummary { Name = g.Name, MemoryBytes = (ulong)Math.Max(0, g.MemoryBytes), Driver = g.Driver }));
        return summary;
    }
}
