using System.Text.Json;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Tests.Inference.Embedding;

/// <summary>
/// Tokenizers independent of the product's, over all-MiniLM-L6-v2's vocab.txt: Hugging Face's (the Rust tokenizers
/// library that sentence-transformers trains and runs the model with, configured as bert-base-uncased's tokenizer.json
/// is) and the FastBertTokenizer the product used before Microsoft.ML.Tokenizers, each with BERT's [CLS] … [SEP] framing
/// and truncation to a token limit (the tokens past it go, the closing [SEP] stays).
/// </summary>
internal sealed class ReferenceTokenizers : IDisposable
{
    private readonly Tokenizers.DotNet.Tokenizer _huggingFace;
    private readonly string _directory;

    public ReferenceTokenizers()
    {
        using var stream = BuiltinModels.OpenVocabulary(BuiltinModels.AllMiniLmL6V2VocabularyHash)!;
        using var reader = new StreamReader(stream);
        var vocabulary = reader.ReadToEnd();
        Previous = new PreviousTokenizer(vocabulary);
        Vocabulary = vocabulary.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'); // vocab.txt has CRLF line ends
        _directory = Directory.CreateTempSubdirectory("cerebrum-tokenizer-").FullName;
        var path = Path.Combine(_directory, "tokenizer.json");
        File.WriteAllText(path, HuggingFaceConfiguration(Vocabulary));
        _huggingFace = new Tokenizers.DotNet.Tokenizer(path);
    }

    /// <summary>The vocabulary, a token per id.</summary>
    public IReadOnlyList<string> Vocabulary { get; }

    /// <summary>
    /// Hugging Face's ids for <paramref name="text"/>. It cannot take invalid UTF-16, so lone surrogates are left out, as a
    /// UTF-8 encoder's replacement character (U+FFFD) would be by BERT's cleaning.
    /// </summary>
    public long[] HuggingFace(string text, int maxTokens)
    {
        var all = _huggingFace.Encode(WithoutLoneSurrogates(text)).Select(id => (long)id).ToArray();
        return all.Length <= maxTokens ? all : [.. all[..(maxTokens - 1)], all[^1]];
    }

    /// <summary>What the product tokenized with before.</summary>
    public PreviousTokenizer Previous { get; }

    public string Tokens(IEnumerable<long> ids) => string.Join(" ", ids.Select(id => Vocabulary[(int)id]));

    public void Dispose()
    {
        _huggingFace.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    public static string WithoutLoneSurrogates(string text)
    {
        var kept = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) kept.Append(text, i++, 2);
            else if (!char.IsSurrogate(text[i])) kept.Append(text[i]);
        }
        return kept.ToString();
    }

    /// <summary>bert-base-uncased's tokenizer.json: BERT normalizer and pre-tokenizer, WordPiece (100 characters per word), [CLS] $A [SEP].</summary>
    private static string HuggingFaceConfiguration(IReadOnlyList<string> vocabulary)
    {
        var ids = vocabulary.Select((token, id) => (token, id)).ToDictionary(p => p.token, p => p.id);
        string[] special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];
        object Special(string token) => new { SpecialToken = new { id = token, type_id = 0 } };
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = special.Select(t => new { id = ids[t], content = t, single_word = false, lstrip = false, rstrip = false, normalized = false, special = true }),
            ["normalizer"] = new { type = "BertNormalizer", clean_text = true, handle_chinese_chars = true, strip_accents = (bool?)null, lowercase = true },
            ["pre_tokenizer"] = new { type = "BertPreTokenizer" },
            ["post_processor"] = new Dictionary<string, object>
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new[] { Special("[CLS]"), new { Sequence = new { id = "A", type_id = 0 } }, Special("[SEP]") },
                ["pair"] = new[] { Special("[CLS]"), new { Sequence = new { id = "A", type_id = 0 } }, Special("[SEP]"), new { Sequence = new { id = "B", type_id = 1 } }, Special("[SEP]") },
                ["special_tokens"] = new Dictionary<string, object>
                {
                    ["[CLS]"] = new { id = "[CLS]", ids = new[] { ids["[CLS]"] }, tokens = new[] { "[CLS]" } },
                    ["[SEP]"] = new { id = "[SEP]", ids = new[] { ids["[SEP]"] }, tokens = new[] { "[SEP]" } },
                },
            },
            ["decoder"] = new { type = "WordPiece", prefix = "##", cleanup = true },
            ["model"] = new { type = "WordPiece", unk_token = "[UNK]", continuing_subword_prefix = "##", max_input_chars_per_word = 100, vocab = ids },
        });
    }
}
