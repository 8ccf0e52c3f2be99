using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Gateway;

/// <summary>A model as nodes announce it in their heartbeats: the name apps use, its hash, task and signature.</summary>
public sealed record ServedModel(string Name, string Hash, string Task, IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs);
