using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands;

/// <summary>
/// A command that lists what one admin API endpoint of the local daemon returns: a table, or with <c>--json</c> the
/// list itself. The shape shared by <c>net peers</c>, <c>net nodes</c> and <c>gateway routes</c>.
/// </summary>
internal static class AdminListCommand
{
    /// <param name="path">The admin API path, one of <see cref="AdminRoutes"/>.</param>
    /// <param name="type">The list's generated serializer in <see cref="AdminJsonContext"/>.</param>
    /// <param name="emptyText">What to print when the list is empty.</param>
    /// <param name="header">The table's column titles.</param>
    /// <param name="row">One row of the table per element.</param>
    public static Command Create<T>(string name, string description, string jsonDescription, string path, JsonTypeInfo<List<T>> type, string emptyText,
        string[] header, Func<T, string[]> row)
    {
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json(jsonDescription);
        var command = new Command(name, description)
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectoryOption));
            var items = await admin.GetAsync(path, type, cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(items, CliJson.Options));
                return 0;
            }
            if (items.Count == 0)
            {
                await stdout.WriteLineAsync(emptyText);
                return 0;
            }
            var rows = new List<string[]> { header };
            rows.AddRange(items.Select(row));
            TextFormat.Table(stdout, rows);
            return 0;
        });
        return command;
    }
}
