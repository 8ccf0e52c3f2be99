using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net find-peer PEER</c>: where a peer can be reached, looked up by the local daemon in the DHT.</summary>
public static class FindPeerCommand
{
    public static Command Create()
    {
        var peerArgument = new Argument<string>("PEER") { Description = "The peer ID to look up (12D3KooW…, Qm… or 16Uiu2…)." };
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the peer and its addresses");
        var command = new Command("find-peer", "Look a peer up in the DHT through the local daemon and print its addresses (direct ones, or /p2p-circuit ones through its relays).")
        {
            peerArgument,
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectoryOption));
            var peer = await admin.GetAsync(AdminRoutes.DhtPeerOf(parseResult.GetValue(peerArgument)!), AdminJsonContext.Default.DhtPeerResponse, cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(peer, CliJson.Options));
                return 0;
            }
            await stdout.WriteLineAsync($"peer {peer.PeerId}");
            if (peer.Addrs.Count == 0)
                await stdout.WriteLineAsync("  (no addresses known)");
            foreach (var address in peer.Addrs)
                await stdout.WriteLineAsync($"  {address}");
            return 0;
        });
        return command;
    }
}
