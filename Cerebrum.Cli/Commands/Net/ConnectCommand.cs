using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net connect</c>: asks the local daemon to dial a peer.</summary>
public static class ConnectCommand
{
    public static Command Create()
    {
        var addressArgument = CommonOptions.PeerAddress("connect the daemon to");
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the new connection");
        var command = new Command("connect", "Make the local daemon dial a peer and keep the connection; prints the peer's ID, address and agent.")
        {
            addressArgument,
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectoryOption));
            var peer = await admin.PostAsync(AdminRoutes.PeersConnect, new ConnectRequest(parseResult.GetValue(addressArgument)),
                AdminJsonContext.Default.ConnectRequest, AdminJsonContext.Default.PeerResponse, cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(peer, CliJson.Options));
                return 0;
            }
            await stdout.WriteLineAsync($"connected to {peer.PeerId} at {peer.Address} ({peer.AgentVersion ?? "unknown agent"})");
            return 0;
        });
        return command;
    }
}
