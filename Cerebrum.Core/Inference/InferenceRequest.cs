using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference;

/// <summary>One inference job: the model (name or sha256 hash), its named inputs, and the instant after which the answer is useless.</summary>
public sealed record InferenceRequest(string Model, IReadOnlyList<Tensor> Inputs, DateTimeOffset Deadline);
