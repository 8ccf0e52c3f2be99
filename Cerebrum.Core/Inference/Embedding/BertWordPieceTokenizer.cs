using Microsoft.ML.Tokenizers;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// <see cref="Store.TextEncoding.BertUncased"/> tokenization: Microsoft.ML.Tokenizers' BERT WordPiece tokenizer over the
/// model's vocab.txt, with BERT's reference normalization and word split (<see cref="BertUncasedNormalizer"/>,
/// <see cref="BertPreTokenizer"/>) in place of the library's own, which differ from it; words over 100 characters are
/// [UNK], as in the model's tokenizer configuration. Text that spells a special token ("[SEP]") is text, never the
/// token: a client cannot inject one. A text longer than the limit loses its tokens past it, mid-word if need be, and
/// keeps the closing [SEP] (the reference tokenizer's truncation). Thread-safe.
/// </summary>
internal sealed class BertWordPieceTokenizer : ITextTokenizer
{
    /// <summary>The longest word WordPiece splits; a longer one is [UNK] (bert-base-uncased's tokenizer configuration).</summary>
    public const int MaxCharactersPerWord = 100;

    private readonly BertUncasedNormalizer _normalizer = new();
    private readonly BertTokenizer _tokenizer;

    /// <exception cref="ArgumentException">The vocabulary lacks one of BERT's special tokens.</exception>
    public BertWordPieceTokenizer(Stream vocabulary)
    {
        _tokenizer = BertTokenizer.Create(vocabulary, new BertOptions
        {
            Normalizer = _normalizer,
            PreTokenizer = new BertPreTokenizer(),
            SplitOnSpecialTokens = false,
            UnknownToken = "[UNK]",
            ClassificationToken = "[CLS]",
            SeparatorToken = "[SEP]",
            PaddingToken = "[PAD]",
            MaskingToken = "[MASK]",
            ContinuingSubwordPrefix = "##",
            MaxInputCharsPerWord = MaxCharactersPerWord,
        });
    }

    public long[] Encode(string text, int maxTokens)
    {
        var normalized = _normalizer.Normalize(text);
        var budget = Math.Max(0, maxTokens - 2);
        // Every word gives at least one token, so the first `budget` words hold every token that can be kept (and a text
        // of no more characters than that has no more words).
        var end = normalized.Length <= budget ? normalized.Length : BertPreTokenizer.EndOfWords(normalized, budget);
        var ids = end == 0 ? [] : _tokenizer.EncodeToIds(normalized.AsSpan(0, end), addSpecialTokens: false, considerPreTokenization: true, considerNormalization: false);
        var kept = Math.Min(ids.Count, budget);
        var result = new long[kept + 2];
        result[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < kept; i++) result[i + 1] = ids[i];
        result[^1] = _tokenizer.SeparatorTokenId;
        return result;
    }
}
