using Cerebrum.Daemon.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /status</c>: who this daemon is and how it is doing.</summary>
public static class StatusEndpoints
{
    public static IEndpointRouteBuilder MapStatusEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/status", (NetworkService network, TimeProvider time) => new StatusResponse(
            PeerId: network.PeerId.ToString(),
            AgentVersion: network.AgentVersion,
            ListenAddrs: network.AnnouncedListenAddresses,
            UptimeSeconds: (long)(time.GetUtcNow() - network.StartedAt).TotalSeconds,
            ConnectedPeers: network.ConnectedPeerCount,
            StartedAt: network.StartedAt));
        return endpoints;
    }
}
