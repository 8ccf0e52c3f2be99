using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Admin;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net peers</c>: the local daemon's open connections.</summary>
public static class PeersCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the peer list");
        var command = new Command("peers", "List the peers the local daemon is connected to: peer ID, address, direction, agent version and latency.")
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(DaemonDirectory.Resolve(parseResult.GetValue(dataDirectoryOption)));
            var peers = await admin.GetAsync<List<PeerResponse>>("peers", cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(peers, CliJson.Options));
                return 0;
            }
            if (peers.Count == 0)
            {
                await stdout.WriteLineAsync("no connected peers");
                return 0;
            }
            var rows = new List<string[]> { new[] { "PEER ID", "ADDRESS", "DIRECTION", "AGENT", "LATENCY" } };
            rows.AddRange(peers.Select(peer => new[]
            {
                peer.PeerId,
                peer.Address,
                peer.Direction,
                peer.AgentVersion ?? "-",
                peer.LatencyMs is { } ms ? $"{TextFormat.Milliseconds(ms)} ms" : "-",
            }));
            TextFormat.Table(stdout, rows);
            return 0;
        });
        return command;
    }
}
