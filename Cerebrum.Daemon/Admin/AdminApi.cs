using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary>All admin endpoint groups (one file each); a new group adds one line here.</summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapStatusEndpoints();
        endpoints.MapPeerEndpoints();
        endpoints.MapDhtEndpoints();
        endpoints.MapNodeEndpoints();
        endpoints.MapPubSubEndpoints();
        endpoints.MapNodeDirectoryEndpoints();
        endpoints.MapGatewayAdminEndpoints();
        endpoints.MapChainEndpoints();
        endpoints.MapChainNodeEndpoints();
        endpoints.MapValidatorEndpoints();
        endpoints.MapMarketEndpoints();
        endpoints.MapBatchJobEndpoints();
        endpoints.MapMetricsEndpoints();
        endpoints.MapDashboardEndpoints();
        endpoints.MapFallback((HttpContext context) =>
            Results.Json(new AdminError($"no admin endpoint {context.Request.Method} {context.Request.Path}"), statusCode: StatusCodes.Status404NotFound));
        return endpoints;
    }
}
