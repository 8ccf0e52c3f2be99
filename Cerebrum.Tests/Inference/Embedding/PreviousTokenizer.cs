using Cerebrum.Core.Inference.Embedding;

namespace Cerebrum.Tests.Inference.Embedding;

/// <summary>
/// The tokenizer the product used before Microsoft.ML.Tokenizers, exactly as it ran it: FastBertTokenizer over the
/// vocab.txt, lower-casing, behind a lock (it reuses its buffers). Kept to compare against (the corpus tests, and
/// scripts/bench/inference, which links this file). FastBertTokenizer keeps the token limit of its first call, so there
/// is one instance per limit.
/// </summary>
internal sealed class PreviousTokenizer(string vocabulary) : ITextTokenizer
{
    private readonly Dictionary<int, FastBertTokenizer.BertTokenizer> _byLimit = [];
    private readonly Lock _gate = new();

    public long[] Encode(string text, int maxTokens)
    {
        lock (_gate)
        {
            if (!_byLimit.TryGetValue(maxTokens, out var tokenizer))
            {
                tokenizer = new FastBertTokenizer.BertTokenizer();
                tokenizer.LoadVocabulary(new StringReader(vocabulary), convertInputToLowercase: true);
                _byLimit[maxTokens] = tokenizer;
            }
            return tokenizer.Encode(text, maxTokens).InputIds.ToArray();
        }
    }
}
