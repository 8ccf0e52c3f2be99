using System.Text.Json;

namespace Cerebrum.Cli;

/// <summary>How <c>--json</c> output is written: camelCase like the admin API, indented for people, one document per command.</summary>
public static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
