using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// A job's results file (JSON Lines, one line per input in input order: <c>{"id", "embedding"|"outputs", "node",
/// "receipt"}</c> or <c>{"id", "error"}</c>). Scanning it gives the ids already answered (after cutting a last line a
/// crash left unfinished), which a rerun or a resumed job skips; lines are appended whole and flushed to the operating
/// system before the job's store forgets them.
/// </summary>
public static class JobResultsFile
{
    /// <summary>The ids in the file and whether each is an error line; a missing file has none.</summary>
    /// <exception cref="JobException">The file is not a results file.</exception>
    public static Dictionary<string, bool> Scan(string path)
    {
        var ids = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (!File.Exists(path)) return ids;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            var end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
            if (end < bytes.Length) stream.SetLength(end);
            var lineNumber = 0;
            foreach (var line in Encoding.UTF8.GetString(bytes, 0, end).Split('\n'))
            {
                lineNumber++;
                if (line.Length == 0) continue;
                try
                {
                    using var document = JsonDocument.Parse(line);
                    if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
                        throw new JobException($"{path} line {lineNumber} has no \"id\": not a results file");
                    ids[id.GetString()!] = document.RootElement.TryGetProperty("error", out _);
                }
                catch (JsonException e)
                {
                    throw new JobException($"{path} line {lineNumber} is not JSON: not a results file ({e.Message})", e);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobException($"{path} cannot be read: {e.Message}", e);
        }
        return ids;
    }

    /// <summary>Appends whole lines and flushes them.</summary>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Append(string path, IEnumerable<string> lines)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var builder = new StringBuilder();
        foreach (var line in lines) builder.Append(line).Append('\n');
        stream.Write(Encoding.UTF8.GetBytes(builder.ToString()));
        stream.Flush();
    }

    /// <summary>A success line: id, the result member, node and receipt hash.</summary>
    public static string SuccessLine(string id, string resultName, string resultJson, string node, string receiptHash) => Line(writer =>
    {
        writer.WriteString("id", id);
        writer.WritePropertyName(resultName);
        writer.WriteRawValue(resultJson, skipInputValidation: false);
        writer.WriteString("node", node);
        writer.WriteString("receipt", receiptHash);
    });

    public static string ErrorLine(string id, string error) => Line(writer =>
    {
        writer.WriteString("id", id);
        writer.WriteString("error", error);
    });

    private static string Line(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
