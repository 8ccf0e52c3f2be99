using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// The client's half of a text embedding with a built-in sentence encoder: WordPiece tokenization with the vocabulary
/// shipped in the package (the same code and vocabulary the node uses), and mean pooling plus L2 normalization of the
/// model's <c>last_hidden_state</c>. Between the two, the model runs anywhere as a plain tensor job, so the network
/// protocol carries only tensors and the node's receipt covers exactly what was computed.
/// </summary>
public sealed class BuiltinTextEncoder
{
    private readonly TextEmbedder _embedder;

    private BuiltinTextEncoder(TextEmbedder embedder) => _embedder = embedder;

    /// <summary>Name of the token-ids input, the attention-mask input and the output the encoder reads.</summary>
    public const string AttentionMaskInput = TextEmbedder.AttentionMask;

    public const string HiddenStateOutput = TextEmbedder.LastHiddenState;

    /// <exception cref="ArgumentException">Unknown built-in name.</exception>
    public static BuiltinTextEncoder Open(string builtinName = BuiltinModels.AllMiniLmL6V2, int maxTokens = BuiltinModels.AllMiniLmL6V2MaxTokens, int padMultiple = 16)
    {
        var (model, vocabulary) = BuiltinModels.Open(builtinName);
        model.Dispose();
        // all-MiniLM-L6-v2 takes input_ids, attention_mask and token_type_ids.
        return new BuiltinTextEncoder(new TextEmbedder(new StreamReader(vocabulary), tokenTypeIds: true, maxTokens, padMultiple));
    }

    /// <summary>[n, L] int64 input_ids, attention_mask and token_type_ids for <paramref name="texts"/>.</summary>
    public IReadOnlyList<Tensor> Tokenize(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0) throw new ArgumentException("at least one text is needed", nameof(texts));
        return _embedder.Tokenize(texts);
    }

    /// <summary>One unit-length vector per row of <paramref name="lastHiddenState"/>, averaged over the attended tokens.</summary>
    /// <exception cref="InvalidOperationException">The tensors do not have the shapes and types of a sentence encoder's.</exception>
    public static float[][] Pool(Tensor lastHiddenState, Tensor attentionMask) => TextEmbedder.Pool(lastHiddenState, attentionMask);
}
