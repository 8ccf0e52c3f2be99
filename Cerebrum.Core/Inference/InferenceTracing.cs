using System.Diagnostics;

namespace Cerebrum.Core.Inference;

/// <summary>
/// The Inference layer's activity source and span names (OpenTelemetry tracing through <see cref="Activity"/>): a node's
/// side of a job and the caller's receipt check. The job span's parent is the caller's attempt, read from the request's
/// W3C trace context (<see cref="Protocol.InferTraceContext"/>). Without a listener for <see cref="SourceName"/> (tracing
/// off) no span is created and nothing is allocated. Unlike a meter, an activity source holds no per-instance state, so
/// one static source per layer serves every instance in the process.
/// </summary>
public static class InferenceTracing
{
    public const string SourceName = "Cerebrum.Inference";

    /// <summary>Server span: one job on the node, from the parsed request to the signed answer; tags job, model and outcome.</summary>
    public const string Job = "infer.job";

    /// <summary>Internal span: the job waiting in its model's queue (recorded afterwards from the engine's measured queue time).</summary>
    public const string Queue = "inference.queue";

    /// <summary>Internal span: the ONNX Runtime run that served the job (shared by the jobs batched into it; tags the batch size).</summary>
    public const string Run = "inference.run";

    /// <summary>Internal span: the node signing the job's receipt.</summary>
    public const string ReceiptSign = "infer.receipt.sign";

    /// <summary>Internal span: the caller checking the node's signed receipt against the inputs sent and outputs received.</summary>
    public const string ReceiptVerify = "infer.receipt.verify";

    internal static readonly ActivitySource Source = new(SourceName);
}
