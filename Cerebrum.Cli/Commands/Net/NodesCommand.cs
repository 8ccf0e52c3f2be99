using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cerebrum.Cli.Admin;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net nodes</c>: the nodes the local daemon hears heartbeats from.</summary>
public static class NodesCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the node list");
        var command = new Command("nodes", "List the inference nodes the local daemon hears on cerebrum/1/status (itself included in node mode): peer ID, models, free slots, queue depth, price and how long ago the last heartbeat came.")
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(DaemonDirectory.Resolve(parseResult.GetValue(dataDirectoryOption)));
            var nodes = await admin.GetAsync<List<NodeResponse>>("nodes", cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(nodes, CliJson.Options));
                return 0;
            }
            if (nodes.Count == 0)
            {
                await stdout.WriteLineAsync("no node heard yet (heartbeats come every few seconds; nodes expire after 30 s of silence)");
                return 0;
            }
            var now = DateTimeOffset.UtcNow;
            var rows = new List<string[]> { new[] { "PEER ID", "MODELS", "FREE", "QUEUE", "PRICE", "HEARD" } };
            rows.AddRange(nodes.Select(node => new[]
            {
                node.PeerId,
                node.Models.Count == 0 ? "-" : string.Join(",", node.Models.Select(m => string.IsNullOrEmpty(m.Name) ? m.Hash : m.Name)),
                node.FreeSlots.ToString(CultureInfo.InvariantCulture),
                node.QueueDepth.ToString(CultureInfo.InvariantCulture),
                node.PricePerRequest.ToString(CultureInfo.InvariantCulture),
                $"{TextFormat.Duration(now > node.ReceivedAt ? now - node.ReceivedAt : TimeSpan.Zero)} ago",
            }));
            TextFormat.Table(stdout, rows);
            return 0;
        });
        return command;
    }
}
