using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// The one way text becomes embeddings, whoever runs the model: tokenize (the model's tokenizer) → [n, L] int64 tensors
/// → the caller's run (the engine in process, a node over the network, a gateway's dispatch) → mean pooling over the
/// attended tokens and L2 normalization of <c>last_hidden_state</c>, as sentence-transformers does. Built per model by
/// <see cref="TextEmbeddingPipelines"/>. Thread-safe.
/// </summary>
public sealed class TextEmbeddingPipeline
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string TokenTypeIds = "token_type_ids";
    public const string LastHiddenState = "last_hidden_state";

    private readonly ITextTokenizer _tokenizer;
    private readonly bool _tokenTypeIds;
    private readonly int _padMultiple;

    /// <param name="tokenTypeIds">Whether the model takes a token_type_ids input (all zeros for single-segment text).</param>
    /// <param name="padMultiple">Rows are padded to a multiple of this many tokens, so that concurrent requests share a shape and batch.</param>
    internal TextEmbeddingPipeline(string model, TextEncoding encoding, ITextTokenizer tokenizer, bool tokenTypeIds, int padMultiple)
    {
        Model = model;
        Encoding = encoding;
        _tokenizer = tokenizer;
        _tokenTypeIds = tokenTypeIds;
        _padMultiple = padMultiple;
    }

    /// <summary>The model's name or hash, as the caller named it (for messages).</summary>
    public string Model { get; }

    public TextEncoding Encoding { get; }

    /// <summary>The model's tokenizer (what <see cref="Tokenize"/> frames and pads).</summary>
    public ITextTokenizer Tokenizer => _tokenizer;

    /// <summary>Tokenizes, runs and pools: one vector per text.</summary>
    /// <param name="run">Runs the model on the inputs (the tokenizer's tensors).</param>
    /// <param name="outputsOf">The model's outputs in what <paramref name="run"/> returned.</param>
    /// <exception cref="ArgumentException">No texts, or a null one.</exception>
    /// <exception cref="TextEmbeddingException">The outputs are not a sentence encoder's.</exception>
    public async Task<TextEmbeddings<TRun>> EmbedAsync<TRun>(IReadOnlyList<string> texts, Func<IReadOnlyList<Tensor>, CancellationToken, Task<TRun>> run,
        Func<TRun, IReadOnlyList<Tensor>> outputsOf, CancellationToken cancellationToken)
    {
        var tokenized = Tokenize(texts);
        var result = await run(tokenized.Inputs, cancellationToken).ConfigureAwait(false);
        return new TextEmbeddings<TRun>(Pool(outputsOf(result), tokenized), tokenized.TokenCount, result);
    }

    /// <summary>[n, L] int64 input_ids, attention_mask (and token_type_ids when the model takes them), L the longest row rounded up to the pad multiple.</summary>
    /// <exception cref="ArgumentException">No texts, or a null one.</exception>
    public TokenizedTexts Tokenize(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0) throw new ArgumentException("at least one text is needed", nameof(texts));
        var rows = new long[texts.Count][];
        var longest = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            var text = texts[i] ?? throw new ArgumentException($"text {i} is null", nameof(texts));
            rows[i] = _tokenizer.Encode(text, Encoding.MaxTokens);
            longest = Math.Max(longest, rows[i].Length);
        }
        var length = Math.Min(Encoding.MaxTokens, (longest + _padMultiple - 1) / _padMultiple * _padMultiple);
        var n = texts.Count;
        var ids = new long[n * length];
        var mask = new long[n * length];
        var tokens = 0;
        for (var i = 0; i < n; i++)
        {
            rows[i].CopyTo(ids.AsSpan(i * length));
            mask.AsSpan(i * length, rows[i].Length).Fill(1);
            tokens += rows[i].Length;
        }
        long[] shape = [n, length];
        var inputs = new List<Tensor> { Tensor.FromInt64s(InputIds, shape, ids), Tensor.FromInt64s(AttentionMask, shape, mask) };
        if (_tokenTypeIds)
            inputs.Add(Tensor.FromInt64s(TokenTypeIds, shape, new long[n * length])); // single-segment input: all zeros
        return new TokenizedTexts(inputs, n, length, mask, tokens);
    }

    /// <summary>One vector per row of <paramref name="tokenized"/>: the mean of its attended token vectors, unit length when the encoding normalizes.</summary>
    /// <exception cref="TextEmbeddingException">No float32 <c>last_hidden_state</c> of shape [rows, length, dim] among <paramref name="outputs"/>.</exception>
    public float[][] Pool(IReadOnlyList<Tensor> outputs, TokenizedTexts tokenized)
    {
        var hiddenState = outputs.FirstOrDefault(o => o.Name == LastHiddenState)
            ?? throw new TextEmbeddingException($"model '{Model}' answered no '{LastHiddenState}' output; is it a sentence encoder?");
        var shape = hiddenState.Shape;
        if (shape.Count != 3 || shape[0] != tokenized.Rows || shape[1] != tokenized.Length || shape[2] is < 1 or > int.MaxValue
            || hiddenState.DataType != TensorDataType.Float32 || hiddenState.ElementCount * sizeof(float) != hiddenState.Data.Length)
        {
            throw new TextEmbeddingException($"model '{Model}' answered a '{LastHiddenState}' of {hiddenState.DataType}[{string.Join(", ", shape)}] in {hiddenState.Data.Length} bytes; " +
                $"a sentence encoder answers FP32[{tokenized.Rows}, {tokenized.Length}, dim]");
        }
        var (n, length, dim) = (tokenized.Rows, tokenized.Length, (int)shape[2]);
        var hidden = hiddenState.ToFloats();
        var mask = tokenized.AttentionMask;
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
            norm = Encoding.Normalize ? Math.Max(Math.Sqrt(norm), 1e-12) : 1.0;
            result[row] = new float[dim];
            for (var d = 0; d < dim; d++) result[row][d] = (float)(sum[d] / norm);
        }
        return result;
    }
}
