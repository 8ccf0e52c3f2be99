using System.Security.Cryptography;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Inference.Embedding;

/// <summary>
/// Builds the <see cref="TextEmbeddingPipeline"/> of a model from its <see cref="TextEncoding"/> (what the model's store
/// entry or its nodes' heartbeats say) and its input names, with a tokenizer chosen by the encoding. Tokenizers are
/// loaded once per (kind, vocabulary) from the vocabularies this process has: a node's model store, or the built-in
/// models' (gateway, CLI). Thread-safe.
/// </summary>
public sealed class TextEmbeddingPipelines
{
    public const int DefaultPadMultiple = 16;

    /// <summary>Largest vocabulary file read.</summary>
    public const int MaxVocabularyBytes = 16 * 1024 * 1024;

    private static readonly Lazy<TextEmbeddingPipelines> BuiltinPipelines = new(() => new TextEmbeddingPipelines(BuiltinModels.OpenVocabulary));

    private readonly Func<string, Stream?> _openVocabulary;
    private readonly int _padMultiple;
    private readonly Dictionary<(string Tokenizer, string VocabularyHash), ITextTokenizer> _tokenizers = [];
    private readonly Lock _gate = new();

    /// <param name="openVocabulary">A vocabulary file by its hash; null when this process does not have it.</param>
    /// <param name="padMultiple">See <see cref="TextEmbeddingPipeline"/>.</param>
    public TextEmbeddingPipelines(Func<string, Stream?> openVocabulary, int padMultiple = DefaultPadMultiple)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(padMultiple, 1);
        _openVocabulary = openVocabulary;
        _padMultiple = padMultiple;
    }

    /// <summary>Pipelines with the built-in models' vocabularies: what a gateway or the CLI can tokenize for.</summary>
    public static TextEmbeddingPipelines Builtin => BuiltinPipelines.Value;

    /// <summary>The pipeline of a built-in model, which a client builds without asking any node (see <see cref="BuiltinModels"/>).</summary>
    /// <param name="model">The model's name as the caller knows it, for messages.</param>
    /// <exception cref="ArgumentException">Not a built-in model's name.</exception>
    public static TextEmbeddingPipeline ForBuiltin(string builtinName = BuiltinModels.AllMiniLmL6V2, string? model = null)
    {
        var encoding = BuiltinModels.HashOf(builtinName) is { } hash ? BuiltinModels.EncodingOf(hash)! : throw new ArgumentException($"'{builtinName}' is not a built-in model", nameof(builtinName));
        return Builtin.For(model ?? builtinName, encoding, BuiltinModels.AllMiniLmL6V2Inputs);
    }

    /// <summary>The tokenizer kinds this build has.</summary>
    public static IReadOnlyList<string> Tokenizers { get; } = [TextEncoding.BertUncased];

    /// <summary>The pooling kinds this build has.</summary>
    public static IReadOnlyList<string> Poolings { get; } = [TextEncoding.MeanPooling];

    /// <summary>The pipeline of <paramref name="model"/>, which is encoded as <paramref name="encoding"/> says and takes <paramref name="inputNames"/>.</summary>
    /// <param name="model">The model's name or hash, for messages.</param>
    /// <exception cref="TextEmbeddingException">The encoding is malformed or names a tokenizer, pooling or vocabulary this process does not have, or the inputs are not a sentence encoder's.</exception>
    public TextEmbeddingPipeline For(string model, TextEncoding encoding, IEnumerable<string> inputNames)
    {
        if (encoding.Problem() is { } problem)
            throw new TextEmbeddingException($"model '{model}' has a malformed text encoding: {problem}");
        if (!Tokenizers.Contains(encoding.Tokenizer))
            throw new TextEmbeddingException($"model '{model}' is tokenized by '{encoding.Tokenizer}', which this version does not have (it has: {string.Join(", ", Tokenizers)})");
        if (!Poolings.Contains(encoding.Pooling))
            throw new TextEmbeddingException($"model '{model}' is pooled by '{encoding.Pooling}', which this version does not have (it has: {string.Join(", ", Poolings)})");
        var inputs = inputNames.ToHashSet(StringComparer.Ordinal);
        if (!inputs.Contains(TextEmbeddingPipeline.InputIds) || !inputs.Contains(TextEmbeddingPipeline.AttentionMask))
            throw new TextEmbeddingException($"model '{model}' has no '{TextEmbeddingPipeline.InputIds}' and '{TextEmbeddingPipeline.AttentionMask}' inputs; is it a sentence encoder?");
        return new TextEmbeddingPipeline(model, encoding, Tokenizer(model, encoding), inputs.Contains(TextEmbeddingPipeline.TokenTypeIds), _padMultiple);
    }

    private ITextTokenizer Tokenizer(string model, TextEncoding encoding)
    {
        var key = (encoding.Tokenizer, ModelHash.Normalize(encoding.VocabularyHash));
        lock (_gate)
        {
            if (_tokenizers.TryGetValue(key, out var known)) return known;
            var tokenizer = Load(model, encoding.Tokenizer, key.Item2);
            _tokenizers[key] = tokenizer;
            return tokenizer;
        }
    }

    private ITextTokenizer Load(string model, string kind, string vocabularyHash)
    {
        byte[] bytes;
        try
        {
            using var stream = _openVocabulary(vocabularyHash)
                ?? throw new TextEmbeddingException($"model '{model}' needs the tokenizer vocabulary {vocabularyHash}, which is not available here (this version has the built-in models' vocabularies)");
            bytes = ReadBounded(stream, vocabularyHash);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TextEmbeddingException($"the tokenizer vocabulary {vocabularyHash} of model '{model}' cannot be read: {e.Message}");
        }
        // A vocabulary is named by its hash; a damaged file must not tokenize under that name.
        var actual = ModelHash.FromDigest(SHA256.HashData(bytes));
        if (actual != vocabularyHash)
            throw new TextEmbeddingException($"the tokenizer vocabulary of model '{model}' hashes to {actual}, not to the {vocabularyHash} it is stored under; the file is corrupt");
        try
        {
            return kind switch
            {
                TextEncoding.BertUncased => new BertWordPieceTokenizer(new MemoryStream(bytes)),
                _ => throw new TextEmbeddingException($"model '{model}' is tokenized by '{kind}', which this version does not have"),
            };
        }
        catch (Exception e) when (e is ArgumentException or KeyNotFoundException or InvalidDataException)
        {
            // Microsoft.ML.Tokenizers refuses a vocabulary without BERT's special tokens ([UNK], [CLS], [SEP], [PAD], [MASK]).
            throw new TextEmbeddingException($"the tokenizer vocabulary {vocabularyHash} of model '{model}' is not a {kind} vocabulary: {e.Message}");
        }
    }

    private static byte[] ReadBounded(Stream stream, string vocabularyHash)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + n > MaxVocabularyBytes)
                throw new TextEmbeddingException($"the tokenizer vocabulary {vocabularyHash} exceeds {MaxVocabularyBytes} bytes");
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }
}
