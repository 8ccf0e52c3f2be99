using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Cerebrum.Core.Inference.Hardware;

/// <summary>
/// Loads ONNX Runtime's CUDA provider library the way ONNX Runtime would, to learn precisely why CUDA is unusable
/// (typically a missing CUDA or cuDNN library) before asking ONNX Runtime, which reports only "failed to load".
/// </summary>
internal static class CudaLibraryProbe
{
    /// <summary>Null when the provider library and its dependencies load; otherwise the loader's reason.</summary>
    public static string? WhyUnusable()
    {
        var name = OperatingSystem.IsWindows() ? "onnxruntime_providers_cuda.dll"
            : OperatingSystem.IsLinux() ? "libonnxruntime_providers_cuda.so"
            : null;
        if (name is null) return $"ONNX Runtime has no CUDA provider for {RuntimeInformation.OSDescription}";
        var assembly = typeof(InferenceSession).Assembly;
        var candidates = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native", name),
            Path.Combine(AppContext.BaseDirectory, name),
        };
        var path = candidates.FirstOrDefault(File.Exists);
        try
        {
            var handle = path is not null ? NativeLibrary.Load(path) : NativeLibrary.Load(name, assembly, DllImportSearchPath.SafeDirectories | DllImportSearchPath.AssemblyDirectory);
            NativeLibrary.Free(handle);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return Summarize(e.Message, name);
        }
        catch (BadImageFormatException e)
        {
            return $"{name} is not loadable on this platform ({e.Message})";
        }
    }

    /// <summary>The loader's message names the missing dependency somewhere in a long text; keep that part.</summary>
    private static string Summarize(string message, string name)
    {
        foreach (var part in message.Split(['\n', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.Contains("cannot open shared object file", StringComparison.Ordinal) || part.Contains("specified module could not be found", StringComparison.OrdinalIgnoreCase))
                return $"{name} cannot load: {part.Split(name + ":", 2)[^1].Trim()}";
        }
        return $"{name} cannot load: {message.Split('\n', 2)[0].Trim()}";
    }
}
