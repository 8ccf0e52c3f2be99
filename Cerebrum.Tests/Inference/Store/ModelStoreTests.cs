using System.Security.Cryptography;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using LiteDB;

namespace Cerebrum.Tests.Inference.Store;

[TestFixture]
public sealed class ModelStoreTests
{
    private InferenceTestDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new InferenceTestDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    [Test]
    public void Add_StoresTheFileUnderItsHashAndRecordsTheSignature()
    {
        var bytes = OnnxTestModels.AddFloat();
        var file = OnnxTestModels.Write(_dir.Sub("incoming"), "add.onnx", bytes);
        var expectedHash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

        ModelInfo info;
        using (var store = new ModelStore(_dir.Sub("data")))
            info = store.Add(file, "adder", expectedHash);

        Assert.That(info.Hash, Is.EqualTo(expectedHash));
        var stored = Path.Combine(_dir.Sub("data"), "models", "sha256-" + expectedHash[7..] + ".onnx");
        Assert.That(File.ReadAllBytes(stored), Is.EqualTo(bytes));
        Assert.That(Directory.GetFiles(_dir.Sub("data/models")), Has.Length.EqualTo(1), "no temp file left behind");
        Assert.That(info.Opset, Is.EqualTo(13));
        Assert.That(info.IrVersion, Is.EqualTo(8));
        Assert.That(info.SizeBytes, Is.EqualTo(bytes.Length));
        Assert.That(info.Inputs.Select(i => i.Name), Is.EquivalentTo(new[] { "a", "b" }));
        var a = info.Inputs.Single(i => i.Name == "a");
        Assert.That(a.DataType, Is.EqualTo(TensorDataType.Float32));
        Assert.That(a.Dimensions, Is.EqualTo(new long[] { -1, 3 }));
        Assert.That(a.DimensionNames, Is.EqualTo(new[] { "batch", "" }));
        Assert.That(info.Outputs.Single().Name, Is.EqualTo("c"));

        // The metadata lives in the daemon's LiteDB file, collection "models", and survives a reopen.
        using (var db = new LiteDatabase(Path.Combine(_dir.Sub("data"), "cerebrum.db")))
            Assert.That(db.GetCollection("models").FindById(expectedHash)["name"].AsString, Is.EqualTo("adder"));
        using var reopened = new ModelStore(_dir.Sub("data"));
        Assert.That(reopened.List(), Is.EqualTo(new[] { info }).Using<ModelInfo>(SameModel));
        Assert.That(reopened.Find("adder")!.Hash, Is.EqualTo(expectedHash));
        Assert.That(reopened.Find(expectedHash.ToUpperInvariant().Replace("SHA256:", "sha256:", StringComparison.Ordinal))!.Name, Is.EqualTo("adder"));
    }

    [Test]
    public void Add_RefusesAHashMismatchNamingTheFile()
    {
        var file = OnnxTestModels.Write(_dir.Sub("incoming"), "add.onnx", OnnxTestModels.AddFloat());
        using var store = new ModelStore(_dir.Sub("data"));

        var e = Assert.Throws<ModelRejectedException>(() => store.Add(file, "adder", "sha256:" + new string('0', 64)))!;

        Assert.That(e.Message, Does.Contain(file).And.Contain("does not match"));
        Assert.That(store.List(), Is.Empty);
        Assert.That(Directory.GetFiles(store.ModelsDirectory), Is.Empty);
    }

    [Test]
    public void Add_RefusesAFileThatIsNotOnnx()
    {
        var file = OnnxTestModels.Write(_dir.Sub("incoming"), "notes.onnx", "this is plain text, not a model\n"u8.ToArray());
        using var store = new ModelStore(_dir.Sub("data"));

        var e = Assert.Throws<ModelRejectedException>(() => store.Add(file, "notes"))!;

        Assert.That(e.Message, Does.Contain(file).And.Contain("not a valid ONNX model"));
        Assert.That(store.List(), Is.Empty);
    }

    [Test]
    public void Add_RefusesAModelThatOnnxRuntimeCannotLoad()
    {
        var file = OnnxTestModels.Write(_dir.Sub("incoming"), "weird.onnx", OnnxTestModels.UnknownOperator());
        using var store = new ModelStore(_dir.Sub("data"));

        var e = Assert.Throws<ModelRejectedException>(() => store.Add(file, "weird"))!;

        Assert.That(e.Message, Does.Contain(file).And.Contain("ONNX Runtime cannot load it"));
        Assert.That(e.Message, Does.Contain("NoSuchOperatorAnywhere"));
        Assert.That(Directory.GetFiles(store.ModelsDirectory), Is.Empty);
    }

    [Test]
    public void Add_RefusesAMissingFile()
    {
        using var store = new ModelStore(_dir.Sub("data"));
        var missing = _dir.Sub("nowhere.onnx");

        var e = Assert.Throws<ModelRejectedException>(() => store.Add(missing, "x"))!;

        Assert.That(e.Message, Does.Contain(missing).And.Contain("cannot be read"));
    }

    [Test]
    public void Add_RefusesANameAlreadyUsedByAnotherModel()
    {
        using var store = new ModelStore(_dir.Sub("data"));
        store.Add(OnnxTestModels.Write(_dir.Sub("in"), "add.onnx", OnnxTestModels.AddFloat()), "m");
        var other = OnnxTestModels.Write(_dir.Sub("in"), "mm.onnx", OnnxTestModels.MatMulFloat());

        var e = Assert.Throws<ModelRejectedException>(() => store.Add(other, "m"))!;

        Assert.That(e.Message, Does.Contain("already used"));
        Assert.That(store.List(), Has.Count.EqualTo(1));
    }

    [Test]
    public void Remove_DeletesRecordAndFile()
    {
        using var store = new ModelStore(_dir.Sub("data"));
        var add = store.Add(OnnxTestModels.Write(_dir.Sub("in"), "add.onnx", OnnxTestModels.AddFloat()), "add");
        var mm = store.Add(OnnxTestModels.Write(_dir.Sub("in"), "mm.onnx", OnnxTestModels.MatMulFloat()), "mm");

        Assert.That(store.Remove("add"), Is.True);
        Assert.That(store.Remove("add"), Is.False);

        Assert.That(store.List().Select(m => m.Name), Is.EqualTo(new[] { "mm" }));
        Assert.That(File.Exists(store.ModelPath(add.Hash)), Is.False);
        Assert.That(File.Exists(store.ModelPath(mm.Hash)), Is.True);
        Assert.That(store.Remove(mm.Hash), Is.True);
        Assert.That(store.List(), Is.Empty);
    }

    private static bool SameModel(ModelInfo x, ModelInfo y) =>
        x.Hash == y.Hash && x.Name == y.Name && x.SizeBytes == y.SizeBytes && x.Opset == y.Opset
        && x.Inputs.Zip(y.Inputs).All(p => p.First.Name == p.Second.Name && p.First.Dimensions.SequenceEqual(p.Second.Dimensions));
}
