using System.CommandLine;
using System.Globalization;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net nodes</c>: the nodes the local daemon hears heartbeats from.</summary>
public static class NodesCommand
{
    public static Command Create() => AdminListCommand.Create<NodeResponse>(
        "nodes", "List the inference nodes the local daemon hears on cerebrum/1/status (itself included in node mode): peer ID, models, free slots, queue depth, price and how long ago the last heartbeat came.",
        "the node list", AdminRoutes.Nodes, AdminJsonContext.Default.ListNodeResponse, "no node heard yet (heartbeats come every few seconds; nodes expire after 30 s of silence)",
        ["PEER ID", "MODELS", "FREE", "QUEUE", "PRICE", "HEARD"],
        node =>
        [
            node.PeerId,
            node.Models.Count == 0 ? "-" : string.Join(",", node.Models.Select(m => string.IsNullOrEmpty(m.Name) ? m.Hash : m.Name)),
            node.FreeSlots.ToString(CultureInfo.InvariantCulture),
            node.QueueDepth.ToString(CultureInfo.InvariantCulture),
            node.PricePerRequest.ToString(CultureInfo.InvariantCulture),
            $"{TextFormat.Duration(DateTimeOffset.UtcNow > node.ReceivedAt ? DateTimeOffset.UtcNow - node.ReceivedAt : TimeSpan.Zero)} ago",
        ]);
}
