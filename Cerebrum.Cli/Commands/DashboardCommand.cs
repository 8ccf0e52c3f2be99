using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands;

/// <summary>
/// <c>cerebrum dashboard</c>: asks the local daemon (with its admin cookie) for a one-time link that signs a browser in
/// to its dashboard, and prints it. The link works once, shortly, and only on this machine (the admin API is loopback).
/// </summary>
public static class DashboardCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the link and its expiry");
        var command = new Command("dashboard", "Print a one-time link that opens the local daemon's dashboard in a browser on this machine.")
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectoryOption));
            var link = await admin.PostAsync(AdminRoutes.DashboardLinks, AdminJsonContext.Default.DashboardLinkResponse, cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(link, CliJson.Options));
                return 0;
            }
            await stdout.WriteLineAsync(link.Url);
            await stdout.WriteLineAsync($"(open it in a browser on this machine before {link.ExpiresAt.UtcDateTime:HH:mm:ss} UTC; it works once)");
            return 0;
        });
        return command;
    }
}
