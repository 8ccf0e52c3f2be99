using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net peers</c>: the local daemon's open connections.</summary>
public static class PeersCommand
{
    public static Command Create() => AdminListCommand.Create<PeerResponse>(
        "peers", "List the peers the local daemon is connected to: peer ID, address, direction, agent version and latency.",
        "the peer list", AdminRoutes.Peers, AdminJsonContext.Default.ListPeerResponse, "no connected peers",
        ["PEER ID", "ADDRESS", "DIRECTION", "AGENT", "LATENCY"],
        peer =>
        [
            peer.PeerId,
            peer.Address,
            peer.Relayed ? $"{peer.Direction}, relayed" : peer.Direction,
            peer.AgentVersion ?? "-",
            peer.LatencyMs is { } ms ? $"{TextFormat.Milliseconds(ms)} ms" : "-",
        ]);
}
