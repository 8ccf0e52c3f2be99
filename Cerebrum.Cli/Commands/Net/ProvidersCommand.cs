using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net providers sha256:HASH [--json]</c>: the nodes that announced a model in the DHT.</summary>
public static class ProvidersCommand
{
    public static Command Create()
    {
        var hashArgument = new Argument<string>("MODEL") { Description = "The model's hash, sha256: and 64 hex digits (as 'cerebrum model list' prints it)." };
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the providers and their addresses");
        var command = new Command("providers", "Find the nodes serving a model through the DHT's provider records (via the local daemon); prints each node's peer ID and addresses.")
        {
            hashArgument,
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectoryOption));
            var found = await admin.GetAsync(AdminRoutes.DhtProvidersOf(parseResult.GetValue(hashArgument)!), AdminJsonContext.Default.DhtProvidersResponse, cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(found, CliJson.Options));
                return 0;
            }
            if (found.Providers.Count == 0)
            {
                await stdout.WriteLineAsync($"no provider of {found.Model} found");
                return 0;
            }
            await stdout.WriteLineAsync($"{found.Providers.Count} provider(s) of {found.Model}");
            foreach (var provider in found.Providers)
            {
                await stdout.WriteLineAsync(provider.PeerId);
                foreach (var address in provider.Addrs)
                    await stdout.WriteLineAsync($"  {address}");
            }
            return 0;
        });
        return command;
    }
}
