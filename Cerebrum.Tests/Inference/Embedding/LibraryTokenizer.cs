using Cerebrum.Core.Inference.Embedding;
using Microsoft.ML.Tokenizers;

namespace Cerebrum.Tests.Inference.Embedding;

/// <summary>
/// The product's tokenization with the library doing all of it, as <see cref="BertWordPieceTokenizer"/> did before its
/// fast paths: the text normalized whole, split into words by the library (with <see cref="BertPreTokenizer"/>), every
/// word pieced by the library, then cut at the limit keeping [SEP]. What the fast paths must give.
/// </summary>
internal sealed class LibraryTokenizer : ITextTokenizer
{
    private readonly BertUncasedNormalizer _normalizer = new();
    private readonly BertTokenizer _tokenizer;

    public LibraryTokenizer(Stream vocabulary) =>
        _tokenizer = BertTokenizer.Create(vocabulary, BertWordPieceTokenizer.LibraryOptions(_normalizer));

    public long[] Encode(string text, int maxTokens)
    {
        var ids = _tokenizer.EncodeToIds(_normalizer.Normalize(text), addSpecialTokens: false, considerPreTokenization: true, considerNormalization: false);
        var kept = Math.Min(ids.Count, Math.Max(0, maxTokens - 2));
        return [_tokenizer.ClassificationTokenId, .. ids.Take(kept).Select(id => (long)id), _tokenizer.SeparatorTokenId];
    }
}
