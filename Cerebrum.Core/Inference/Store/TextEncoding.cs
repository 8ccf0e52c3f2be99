namespace Cerebrum.Core.Inference.Store;

/// <summary>
/// How text becomes the inputs of a text-embedding model, and its output one vector per text: the tokenizer and its
/// vocabulary (by hash), the longest token sequence the model is fed, and the pooling. A property of the model, stored
/// with it and announced in the node's heartbeat, so that every client (gateway, CLI, the node itself) tokenizes for it
/// the same way while the node runs only tensors.
/// </summary>
/// <param name="Tokenizer">Tokenizer kind, e.g. <see cref="BertUncased"/>.</param>
/// <param name="VocabularyHash">sha256:&lt;hex&gt; of the tokenizer's vocabulary file (vocab.txt for WordPiece).</param>
/// <param name="MaxTokens">Longest token sequence the model is fed, special tokens included; longer texts are truncated.</param>
/// <param name="Pooling">How the token vectors become one vector, e.g. <see cref="MeanPooling"/>.</param>
/// <param name="Normalize">Whether the pooled vector is scaled to unit length.</param>
public sealed record TextEncoding(string Tokenizer, string VocabularyHash, int MaxTokens, string Pooling, bool Normalize)
{
    /// <summary>
    /// BERT's uncased tokenization (as bert-base-uncased's reference tokenizer): control characters dropped, whitespace
    /// split, lower-cased with accents stripped, punctuation and each CJK ideograph split off, then WordPiece (longest
    /// match first, "##" continuations, [UNK] for a word that has no split or exceeds 100 characters), framed as
    /// [CLS] tokens [SEP].
    /// </summary>
    public const string BertUncased = "bert-uncased";

    /// <summary>The mean of the token vectors where the attention mask is 1 (sentence-transformers' mean pooling).</summary>
    public const string MeanPooling = "mean";

    /// <summary>Largest <see cref="MaxTokens"/> accepted from a model's description.</summary>
    public const int MaxTokensLimit = 65_536;

    /// <summary>Longest tokenizer or pooling name accepted.</summary>
    public const int MaxNameLength = 64;

    /// <summary>
    /// Null when the description is well formed, else what is wrong with it. Tokenizer and pooling names are only
    /// bounded, not judged: a newer node may name kinds this build does not know (a client then says it cannot embed
    /// for that model).
    /// </summary>
    public string? Problem()
    {
        if (Tokenizer.Length is 0 or > MaxNameLength) return $"tokenizer name must be 1 to {MaxNameLength} characters";
        if (Pooling.Length is 0 or > MaxNameLength) return $"pooling name must be 1 to {MaxNameLength} characters";
        if (!ModelHash.IsValid(VocabularyHash)) return $"vocabulary hash '{VocabularyHash}' is not of the form sha256:<64 hex digits>";
        if (MaxTokens is < 2 or > MaxTokensLimit) return $"max tokens {MaxTokens} is outside 2..{MaxTokensLimit}";
        return null;
    }
}
