using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cerebrum.Cli.Admin;

/// <summary>The body of the read-only commands: one GET on the local daemon's admin API, printed as JSON or as text.</summary>
public static class AdminQuery
{
    /// <param name="path">One of <see cref="Core.Operator.Admin.AdminRoutes"/>.</param>
    public static async Task<int> PrintAsync<T>(ParseResult parseResult, Option<string?> dataDirectory, Option<bool> json, string path, JsonTypeInfo<T> type,
        Func<T, string> text, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
        var answer = await admin.GetAsync(path, type, cancellationToken);
        await stdout.WriteLineAsync(parseResult.GetValue(json) ? JsonSerializer.Serialize(answer, CliJson.Options) : text(answer));
        return 0;
    }
}
