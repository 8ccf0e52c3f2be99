using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>Texts turned into a model's inputs: [<paramref name="Rows"/>, <paramref name="Length"/>] int64 tensors, padded.</summary>
/// <param name="AttentionMask">Row-major, 1 where a row has a token, 0 in its padding.</param>
/// <param name="TokenCount">Tokens over all rows, special tokens included, padding not.</param>
public sealed record TokenizedTexts(IReadOnlyList<Tensor> Inputs, int Rows, int Length, long[] AttentionMask, int TokenCount);
