using System.Diagnostics;

namespace Cerebrum.Core.Consensus;

/// <summary>The Consensus layer's activity source and span names (see <see cref="Inference.InferenceTracing"/> for why one static source).</summary>
public static class ConsensusTracing
{
    public const string SourceName = "Cerebrum.Consensus";

    /// <summary>Internal span, a root: one round at one height, from its start to a decision or the next round; tags height, round and outcome.</summary>
    public const string Round = "consensus.round";

    internal static readonly ActivitySource Source = new(SourceName);
}
