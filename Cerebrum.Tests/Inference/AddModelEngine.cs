using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Tests.Inference;

/// <summary>
/// An inference engine serving the generated add model (c = a + b, FP32 [1, 3]) from a fresh store in a temporary
/// directory: what the infer protocol's tests run a node's handler on. Disposes engine, store and directory in order.
/// </summary>
internal sealed class AddModelEngine : IAsyncDisposable
{
    private readonly InferenceTestDirectory _directory;

    private AddModelEngine(InferenceTestDirectory directory, ModelStore store, InferenceEngine engine)
    {
        _directory = directory;
        Store = store;
        Engine = engine;
    }

    public ModelStore Store { get; }

    public InferenceEngine Engine { get; }

    /// <summary>The add model's content hash (its name is "add").</summary>
    public string AddHash => Store.Find("add")!.Hash;

    public static AddModelEngine Start()
    {
        var directory = new InferenceTestDirectory();
        var store = new ModelStore(directory.Sub("data"));
        store.Add(OnnxTestModels.Write(directory.Sub("in"), "add.onnx", OnnxTestModels.AddFloat()), "add");
        return new AddModelEngine(directory, store, InferenceEngine.Start(new InferenceEngineOptions { Models = ["add"] }, store));
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        Store.Dispose();
        _directory.Dispose();
    }
}
