using System.CommandLine;
using Cerebrum.Cli.Gateway;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Gateway;

/// <summary><c>cerebrum gateway key revoke NAME</c>.</summary>
public static class GatewayKeyRevokeCommand
{
    public static Command Create()
    {
        var nameArgument = new Argument<string>("NAME") { Description = "The key's name, as 'key list' shows it." };
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var command = new Command("revoke", "Delete an API key; requests with it are refused (401) from then on.")
        {
            nameArgument,
            dataDirectoryOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var name = parseResult.GetValue(nameArgument)!;
            using var access = GatewayKeyAccess.Open(parseResult.ResolveDataDirectory(dataDirectoryOption));
            if (access.Store is { } store)
            {
                if (!store.Revoke(name))
                    throw new CommandFailedException($"no API key named '{name}'");
            }
            else
            {
                await access.Admin!.DeleteAsync(AdminRoutes.GatewayKeyNamed(name), AdminJsonContext.Default.RevokeApiKeyResponse, cancellationToken);
            }
            await stdout.WriteLineAsync($"revoked {name}");
            return 0;
        });
        return command;
    }
}
