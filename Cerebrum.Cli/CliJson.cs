using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli;

/// <summary>
/// How <c>--json</c> output is written: camelCase like the admin API, indented for people, one document per command. The
/// admin API's records are written by their generated serializers, so a command prints exactly what the daemon sent.
/// </summary>
public static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(AdminJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };
}
