using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cerebrum.Cli.Gateway;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Gateway;

/// <summary><c>cerebrum gateway key list</c>: names, rate limits and creation times (never the keys).</summary>
public static class GatewayKeyListCommand
{
    public static Command Create()
    {
        var jsonOption = CommonOptions.Json("the keys");
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var command = new Command("list", "List the gateway's API keys: name, rate limit, creation time. The keys themselves are not stored and cannot be shown.")
        {
            jsonOption,
            dataDirectoryOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var access = GatewayKeyAccess.Open(parseResult.ResolveDataDirectory(dataDirectoryOption));
            var keys = access.Store is { } store
                ? [.. store.List().Select(k => new ApiKeyResponse(k.Name, k.RatePerSecond, k.CreatedAt, null))]
                : await access.Admin!.GetAsync(AdminRoutes.GatewayKeys, AdminJsonContext.Default.ListApiKeyResponse, cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(keys, CliJson.Options));
                return 0;
            }
            if (keys.Count == 0)
            {
                await stdout.WriteLineAsync("No API keys; create one with 'cerebrum gateway key create --name NAME'");
                return 0;
            }
            foreach (var key in keys)
            {
                var rate = key.RatePerSecond > 0 ? key.RatePerSecond.ToString("0.###", CultureInfo.InvariantCulture) + "/s" : "unlimited";
                await stdout.WriteLineAsync($"{key.Name}\t{rate}\t{key.CreatedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");
            }
            return 0;
        });
        return command;
    }
}
