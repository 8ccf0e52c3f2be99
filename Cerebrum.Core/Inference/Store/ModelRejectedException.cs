namespace Cerebrum.Core.Inference.Store;

/// <summary>A model file the store or engine refuses, with the file and the reason.</summary>
public sealed class ModelRejectedException : Exception
{
    public ModelRejectedException(string file, string reason, Exception? inner = null)
        : base($"model file '{file}' refused: {reason}", inner)
    {
        File = file;
        Reason = reason;
    }

    public string File { get; }

    public string Reason { get; }
}
