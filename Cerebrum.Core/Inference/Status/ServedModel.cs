using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Status;

/// <summary>A model as nodes announce it in their heartbeats: the name apps use, its hash, task and signature.</summary>
/// <param name="TextEncoding">For a text model, how to tokenize for it and pool its output; null for a tensor model, or when its node did not say.</param>
public sealed record ServedModel(string Name, string Hash, string Task, IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs,
    TextEncoding? TextEncoding = null);
