namespace Cerebrum.Tests.Inference;

/// <summary>A fresh data directory under the temp folder, deleted on dispose.</summary>
internal sealed class InferenceTestDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cerebrum-inference-" + Guid.NewGuid().ToString("N"));

    public InferenceTestDirectory() => Directory.CreateDirectory(Path);

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
