using FastBertTokenizer;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary><see cref="Store.TextEncoding.BertUncased"/> tokenization with a WordPiece vocabulary (vocab.txt, one token per line).</summary>
internal sealed class BertUncasedTokenizer : ITextTokenizer
{
    private readonly string _vocabulary;
    // FastBertTokenizer keeps the token limit of its first call, so one instance per limit.
    private readonly Dictionary<int, BertTokenizer> _byLimit = [];
    private readonly Lock _gate = new(); // the tokenizer reuses its buffers between calls

    public BertUncasedTokenizer(TextReader vocabulary) => _vocabulary = vocabulary.ReadToEnd();

    public long[] Encode(string text, int maxTokens)
    {
        lock (_gate)
        {
            if (!_byLimit.TryGetValue(maxTokens, out var tokenizer))
            {
                tokenizer = new BertTokenizer();
                tokenizer.LoadVocabulary(new StringReader(_vocabulary), convertInputToLowercase: true);
                _byLimit[maxTokens] = tokenizer;
            }
            return tokenizer.Encode(text, maxTokens).InputIds.ToArray();
        }
    }
}
