using System.CommandLine;
using System.Text.Json;

namespace Cerebrum.Cli.Admin;

/// <summary>The body of the read-only commands: one GET on the local daemon's admin API, printed as JSON or as text.</summary>
public static class AdminQuery
{
    public static async Task<int> PrintAsync<T>(ParseResult parseResult, Option<string?> dataDirectory, Option<bool> json, string path,
        Func<T, string> text, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var admin = AdminClient.Open(DaemonDirectory.Resolve(parseResult.GetValue(dataDirectory)));
        var answer = await admin.GetAsync<T>(path, cancellationToken);
        await stdout.WriteLineAsync(parseResult.GetValue(json) ? JsonSerializer.Serialize(answer, CliJson.Options) : text(answer));
        return 0;
    }
}
