using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Gateway;

/// <summary>A parsed Open Inference Protocol (KServe v2) inference request.</summary>
/// <param name="Id">The client's request id, echoed in the response; null when not given.</param>
/// <param name="RequestedOutputs">Names of the outputs to return; null returns every output.</param>
public sealed record KServeInferRequest(string? Id, IReadOnlyList<Tensor> Inputs, IReadOnlyList<string>? RequestedOutputs);
