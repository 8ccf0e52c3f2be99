using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Tests.Inference.Store;

/// <summary>A text model's text encoding: stored with it, read back from stores written before it existed, and the built-in one's constants.</summary>
[TestFixture]
public sealed class ModelTextEncodingTests
{
    private static readonly TextEncoding Custom = new("bert-uncased", "sha256:" + new string('b', 64), 128, "mean", Normalize: false);

    [Test]
    public void TheEncoding_RoundTripsThroughTheStoresDocument()
    {
        var info = Info(ModelTasks.TextEmbedding, Custom);

        var read = ModelInfoDocument.FromDocument(ModelInfoDocument.ToDocument(info));

        Assert.That(read.TextEncoding, Is.EqualTo(Custom));
        Assert.That(read.VocabularyHash, Is.EqualTo(Custom.VocabularyHash));
        Assert.That(ModelInfoDocument.FromDocument(ModelInfoDocument.ToDocument(Info(ModelTasks.Tensor, null))).TextEncoding, Is.Null);
    }

    [Test]
    public void ATextModelStoredBeforeEncodingsExisted_ReadsAsMiniLmsEncodingWithItsOwnVocabulary()
    {
        var document = ModelInfoDocument.ToDocument(Info(ModelTasks.TextEmbedding, Custom));
        document.Remove("textEncoding");

        var read = ModelInfoDocument.FromDocument(document);

        Assert.That(read.TextEncoding, Is.EqualTo(BuiltinModels.AllMiniLmL6V2Encoding with { VocabularyHash = Custom.VocabularyHash }));
    }

    [Test]
    public void TheBuiltinModelsConstants_AreTheHashesAndInputsOfItsFiles()
    {
        using var dir = new InferenceTestDirectory();
        using var store = new ModelStore(dir.Path);

        var info = store.AddBuiltin(BuiltinModels.AllMiniLmL6V2, "renamed");

        Assert.That(info.Hash, Is.EqualTo(BuiltinModels.AllMiniLmL6V2Hash));
        Assert.That(ModelHash.ComputeFile(store.VocabularyPath(info.VocabularyHash!)), Is.EqualTo(BuiltinModels.AllMiniLmL6V2VocabularyHash));
        Assert.That(info.TextEncoding, Is.EqualTo(BuiltinModels.AllMiniLmL6V2Encoding));
        Assert.That(info.Inputs.Select(i => i.Name), Is.EqualTo(BuiltinModels.AllMiniLmL6V2Inputs));
        Assert.That(BuiltinModels.EncodingOf(info.Hash.ToUpperInvariant().Replace("SHA256:", "sha256:", StringComparison.Ordinal)), Is.EqualTo(BuiltinModels.AllMiniLmL6V2Encoding));
        Assert.That(BuiltinModels.HashOf("ALL-MINILM-L6-V2"), Is.EqualTo(info.Hash));
        Assert.That((BuiltinModels.HashOf("renamed"), BuiltinModels.EncodingOf("sha256:" + new string('0', 64))), Is.EqualTo(((string?)null, (TextEncoding?)null)));
        using var vocabulary = BuiltinModels.OpenVocabulary(BuiltinModels.AllMiniLmL6V2VocabularyHash)!;
        Assert.That(ModelHash.Compute(vocabulary), Is.EqualTo(BuiltinModels.AllMiniLmL6V2VocabularyHash));
    }

    [TestCase("", "mean", "sha256:", 256, "tokenizer name")]
    [TestCase("bert-uncased", "", "sha256:", 256, "pooling name")]
    [TestCase("bert-uncased", "mean", "md5:00", 256, "vocabulary hash")]
    [TestCase("bert-uncased", "mean", "sha256:", 1, "max tokens 1")]
    [TestCase("bert-uncased", "mean", "sha256:", 65537, "max tokens 65537")]
    public void AMalformedEncoding_SaysWhatIsWrong(string tokenizer, string pooling, string vocabulary, int maxTokens, string problem)
    {
        var encoding = new TextEncoding(tokenizer, vocabulary == "sha256:" ? Custom.VocabularyHash : vocabulary, maxTokens, pooling, true);

        Assert.That(encoding.Problem(), Does.StartWith(problem));
        Assert.That(Custom.Problem(), Is.Null);
        Assert.That((Custom with { Tokenizer = "a-kind-from-the-future" }).Problem(), Is.Null, "kinds are bounded, not judged");
    }

    private static ModelInfo Info(string task, TextEncoding? encoding) => new("sha256:" + new string('a', 64), "m", 10, 8, 13,
        [new TensorSignature("input_ids", TensorDataType.Int64, [-1, -1], ["batch", "sequence"])], [], task, encoding, new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero));
}
