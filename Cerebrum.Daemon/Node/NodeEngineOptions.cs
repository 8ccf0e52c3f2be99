using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Daemon.Configuration;

namespace Cerebrum.Daemon.Node;

/// <summary>Maps the "Node" section onto the inference engine's options.</summary>
public static class NodeEngineOptions
{
    /// <param name="models">The models to load (the configured list, or every stored model when it is empty).</param>
    public static InferenceEngineOptions From(NodeOptions node, IReadOnlyList<string>? models = null) => new()
    {
        Models = models ?? node.Models,
        UseGpu = node.Gpu,
        GpuDeviceId = node.GpuDeviceId,
        MaxRequestBytes = node.MaxRequestBytes,
        IntraOpThreads = node.IntraOpThreads,
        IntraOpSpinning = node.IntraOpSpinning,
        DefaultServing = node.Serving.ToEngineOptions(),
        PerModel = node.PerModel.ToDictionary(p => p.Key, p => p.Value.ToEngineOptions(), StringComparer.Ordinal),
    };

    /// <summary>The configured models, or, when none is configured, every model in the store.</summary>
    public static IReadOnlyList<string> ModelsToServe(NodeOptions node, ModelStore store) =>
        node.Models.Count > 0 ? node.Models : [.. store.List().Select(m => m.Hash)];
}
