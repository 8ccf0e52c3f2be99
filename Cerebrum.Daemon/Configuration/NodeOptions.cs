namespace Cerebrum.Daemon.Configuration;

/// <summary>The "Node" section: what a daemon in node mode serves and how (see <c>--mode node</c>).</summary>
public sealed record NodeOptions
{
    /// <summary>Models to load, by name or sha256:&lt;hex&gt; hash in the data directory's store; empty serves every stored model.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Request the CUDA execution provider (also <c>--gpu</c>); without a usable CUDA the node says why and runs on CPU.</summary>
    public bool Gpu { get; init; }

    /// <summary>CUDA device ordinal used when <see cref="Gpu"/> is set.</summary>
    public int GpuDeviceId { get; init; }

    /// <summary>Largest total input size of one request, in bytes.</summary>
    public long MaxRequestBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>ONNX Runtime intra-op threads per model; 0 lets ONNX Runtime choose.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether ONNX Runtime's intra-op threads spin-wait between parallel sections (off by default: spinning threads hold
    /// cores that the node's network code needs; on can shave a little latency off a machine that does nothing else).
    /// </summary>
    public bool IntraOpSpinning { get; init; }

    /// <summary>How often node mode publishes its signed status on <c>cerebrum/1/status</c>.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Price of one request announced in the heartbeat, in micro-CER (1 CER = 1,000,000 micro-CER).</summary>
    public long PricePerRequest { get; init; }

    /// <summary>Serving settings of every model without an entry in <see cref="PerModel"/>.</summary>
    public NodeServingOptions Serving { get; init; } = new();

    /// <summary>Serving settings by model name or hash, each replacing <see cref="Serving"/> for that model.</summary>
    public IReadOnlyDictionary<string, NodeServingOptions> PerModel { get; init; } = new Dictionary<string, NodeServingOptions>();

    /// <summary>Budget of bytes of jobs in flight, per node and per peer.</summary>
    public NodeLimitsOptions Limits { get; init; } = new();
}
