using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// Reads and checks a job's input file (JSON Lines): every line an object with a unique, non-empty string <c>"id"</c>
/// and either a string <c>"text"</c> or an array <c>"inputs"</c>. Errors name the line. Also the file's SHA-256, so a
/// resumed job can tell that its input changed underneath it.
/// </summary>
public static class JobInputReader
{
    public const int MaxIdLength = 256;

    /// <exception cref="JobException">An unreadable file or an invalid line, named.</exception>
    public static (IReadOnlyList<JobInput> Inputs, string Sha256) Read(string path, JobLimits limits)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new JobException($"{path} does not exist");
            if (info.Length > limits.MaxInputFileBytes) throw new JobException($"{path} has {info.Length} bytes; a job's input is at most {limits.MaxInputFileBytes}");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobException($"{path} cannot be read: {e.Message}", e);
        }
        return (Parse(bytes, path, limits), Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    /// <exception cref="JobException">An invalid line, named.</exception>
    public static IReadOnlyList<JobInput> Parse(byte[] bytes, string source, JobLimits limits)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new JobException($"{source} is not UTF-8: {e.Message}", e);
        }
        var inputs = new List<JobInput>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0) continue;
            if (Encoding.UTF8.GetByteCount(line) > limits.MaxLineBytes) throw new JobException($"{source} line {lineNumber}: longer than {limits.MaxLineBytes} bytes");
            if (inputs.Count >= limits.MaxInputs) throw new JobException($"{source}: more than {limits.MaxInputs} inputs");
            var (id, isText) = Check(line, source, lineNumber);
            if (!ids.Add(id)) throw new JobException($"{source} line {lineNumber}: id \"{id}\" appears twice");
            inputs.Add(new JobInput(inputs.Count, id, line, isText));
        }
        if (inputs.Count == 0) throw new JobException($"{source} has no inputs");
        return inputs;
    }

    private static (string Id, bool IsText) Check(string line, string source, int lineNumber)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new JobException($"{source} line {lineNumber}: not a JSON object");
            if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 and <= MaxIdLength } value)
                throw new JobException($"{source} line {lineNumber}: \"id\" must be a string of 1 to {MaxIdLength} characters");
            var hasText = root.TryGetProperty("text", out var textValue);
            var hasInputs = root.TryGetProperty("inputs", out var inputsValue);
            if (hasText == hasInputs) throw new JobException($"{source} line {lineNumber}: give either \"text\" or \"inputs\"");
            if (hasText && textValue.ValueKind != JsonValueKind.String) throw new JobException($"{source} line {lineNumber}: \"text\" must be a string");
            if (hasInputs && inputsValue.ValueKind != JsonValueKind.Array) throw new JobException($"{source} line {lineNumber}: \"inputs\" must be an array of KServe v2 tensors");
            return (value, hasText);
        }
        catch (JsonException e)
        {
            throw new JobException($"{source} line {lineNumber}: not JSON: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new JobException($"{source} line {lineNumber}: not valid text: {e.Message}", e);
        }
    }
}
