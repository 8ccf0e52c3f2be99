using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Network;
using Cerebrum.Daemon.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /status</c>: who this daemon is and how it is doing.</summary>
public static class StatusEndpoints
{
    public static IEndpointRouteBuilder MapStatusEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.Status, (NetworkService network, PubSubService pubSub, TimeProvider time, DaemonOptions options, HttpContext http) => new StatusResponse(
            PeerId: network.PeerId.ToString(),
            AgentVersion: network.AgentVersion,
            ListenAddrs: network.AnnouncedListenAddresses,
            UptimeSeconds: (long)(time.GetUtcNow() - network.StartedAt).TotalSeconds,
            ConnectedPeers: network.ConnectedPeerCount,
            StartedAt: network.StartedAt,
            PubSub: pubSub.GetTopicStatus(),
            Chain: ChainEndpoints.DescribeForStatus(http.RequestServices),
            Modes: options.Modes,
            Reachability: network.DescribeReachability()));
        return endpoints;
    }
}
