using Cerebrum.Daemon.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /nodes</c>: the latest heartbeat of each node heard on <c>cerebrum/1/status</c>, most recent first.</summary>
public static class NodeDirectoryEndpoints
{
    public static IEndpointRouteBuilder MapNodeDirectoryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/nodes", (NodeDirectoryService directory) => directory.Book.Snapshot().Select(NodeResponse.From).ToList());
        return endpoints;
    }
}
