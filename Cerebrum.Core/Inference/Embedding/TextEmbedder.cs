using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using FastBertTokenizer;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// Turns texts into the inputs of a BERT-style sentence encoder (lower-cased WordPiece with the model's vocabulary) and
/// its last_hidden_state into sentence vectors (mean over attended tokens, then L2-normalized), as sentence-transformers does.
/// </summary>
internal sealed class TextEmbedder
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string TokenTypeIds = "token_type_ids";
    public const string LastHiddenState = "last_hidden_state";

    private readonly BertTokenizer _tokenizer = new();
    private readonly Lock _tokenizerGate = new(); // the tokenizer reuses its buffers between calls
    private readonly bool _tokenTypeIds;
    private readonly int _maxTokens;
    private readonly int _padMultiple;

    public TextEmbedder(ModelInfo model, string vocabularyPath, int maxTokens, int padMultiple)
        : this(OpenVocabulary(model, vocabularyPath), model.Inputs.Any(i => i.Name == TokenTypeIds), maxTokens, padMultiple)
    {
    }

    /// <param name="tokenTypeIds">Whether the model takes a token_type_ids input (all zeros for single-segment text).</param>
    public TextEmbedder(TextReader vocabulary, bool tokenTypeIds, int maxTokens, int padMultiple)
    {
        using (vocabulary)
            _tokenizer.LoadVocabulary(vocabulary, convertInputToLowercase: true);
        _tokenTypeIds = tokenTypeIds;
        _maxTokens = maxTokens;
        _padMultiple = padMultiple;
    }

    private static StreamReader OpenVocabulary(ModelInfo model, string vocabularyPath)
    {
        if (!model.Inputs.Any(i => i.Name == InputIds) || !model.Inputs.Any(i => i.Name == AttentionMask))
            throw new InvalidDataException($"model {model.Name} has no '{InputIds}' and '{AttentionMask}' inputs");
        if (!model.Outputs.Any(o => o.Name == LastHiddenState))
            throw new InvalidDataException($"model {model.Name} has no '{LastHiddenState}' output");
        return new StreamReader(vocabularyPath);
    }

    /// <summary>Tokenizes <paramref name="texts"/> into [n, L] int64 inputs, L the longest rounded up to the pad multiple.</summary>
    public IReadOnlyList<Tensor> Tokenize(IReadOnlyList<string> texts)
    {
        var encoded = new List<(long[] Ids, long[] Mask)>(texts.Count);
        lock (_tokenizerGate)
        {
            foreach (var text in texts)
            {
                var (ids, mask, _) = _tokenizer.Encode(text, _maxTokens);
                encoded.Add((ids.ToArray(), mask.ToArray()));
            }
        }
        var longest = encoded.Max(e => e.Ids.Length);
        var length = Math.Min(_maxTokens, (longest + _padMultiple - 1) / _padMultiple * _padMultiple);
        var n = texts.Count;
        var ids2 = new long[n * length];
        var mask2 = new long[n * length];
        for (var i = 0; i < n; i++)
        {
            encoded[i].Ids.CopyTo(ids2.AsSpan(i * length));
            encoded[i].Mask.CopyTo(mask2.AsSpan(i * length));
        }
        long[] shape = [n, length];
        var inputs = new List<Tensor> { Tensor.FromInt64s(InputIds, shape, ids2), Tensor.FromInt64s(AttentionMask, shape, mask2) };
        if (_tokenTypeIds)
            inputs.Add(Tensor.FromInt64s(TokenTypeIds, shape, new long[n * length])); // single-segment input: all zeros
        return inputs;
    }

    /// <summary>Mean of the token vectors where the mask is 1, scaled to unit length; one vector per row.</summary>
    public static float[][] Pool(Tensor lastHiddenState, Tensor attentionMask)
    {
        if (lastHiddenState.Shape.Count != 3)
            throw new InvalidOperationException($"'{LastHiddenState}' has shape [{string.Join(", ", lastHiddenState.Shape)}], expected [batch, tokens, dim]");
        var (n, length, dim) = ((int)lastHiddenState.Shape[0], (int)lastHiddenState.Shape[1], (int)lastHiddenState.Shape[2]);
        var hidden = lastHiddenState.ToFloats();
        var mask = attentionMask.ToInt64s();
        var result = new float[n][];
        for (var row = 0; row < n; row++)
        {
            var sum = new double[dim];
            double count = 0;
            for (var t = 0; t < length; t++)
            {
                if (mask[row * length + t] == 0) continue;
                count++;
                var offset = (row * length + t) * dim;
                for (var d = 0; d < dim; d++) sum[d] += hidden[offset + d];
            }
            // sentence-transformers clamps the token count to avoid division by zero for an all-padding row.
            count = Math.Max(count, 1e-9);
            var norm = 0.0;
            for (var d = 0; d < dim; d++)
            {
                sum[d] /= count;
                norm += sum[d] * sum[d];
            }
            norm = Math.Max(Math.Sqrt(norm), 1e-12);
            result[row] = new float[dim];
            for (var d = 0; d < dim; d++) result[row][d] = (float)(sum[d] / norm);
        }
        return result;
    }
}
