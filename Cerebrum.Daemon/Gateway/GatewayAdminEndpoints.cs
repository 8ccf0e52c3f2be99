using Cerebrum.Core.Operator.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Gateway mode on the loopback admin API: <c>GET/POST /gateway/keys</c>, <c>DELETE /gateway/keys/{name}</c> (what
/// <c>cerebrum gateway key</c> uses while the daemon runs), <c>GET /gateway/routes</c> (the routing table) and
/// <c>GET /gateway/usage</c> (what each API key's requests paid nodes). 404 in other modes.
/// </summary>
public static class GatewayAdminEndpoints
{
    public static IEndpointRouteBuilder MapGatewayAdminEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.GatewayKeys, (IServiceProvider services) =>
            services.GetService<GatewayService>() is { } gateway
                ? Results.Ok(gateway.Keys.List().Select(k => new ApiKeyResponse(k.Name, k.RatePerSecond, k.CreatedAt, null, k.Budget)).ToList())
                : NotGateway());
        endpoints.MapPost(AdminRoutes.GatewayKeys, (CreateApiKeyRequest request, IServiceProvider services, TimeProvider time) =>
        {
            if (services.GetService<GatewayService>() is not { } gateway)
                return NotGateway();
            try
            {
                var (key, record) = gateway.Keys.Create(request.Name ?? "", request.RatePerSecond ?? 0, time.GetUtcNow(), request.Budget ?? 0);
                return Results.Ok(new ApiKeyResponse(record.Name, record.RatePerSecond, record.CreatedAt, key, record.Budget));
            }
            catch (ArgumentException e)
            {
                return Results.Json(new AdminError(e.Message), statusCode: StatusCodes.Status400BadRequest);
            }
        });
        endpoints.MapDelete(AdminRoutes.GatewayKey, (string name, IServiceProvider services) =>
        {
            if (services.GetService<GatewayService>() is not { } gateway)
                return NotGateway();
            return gateway.Keys.Revoke(name)
                ? Results.Ok(new RevokeApiKeyResponse(name, true))
                : Results.Json(new AdminError($"no API key named '{name}'"), statusCode: StatusCodes.Status404NotFound);
        });
        endpoints.MapGet(AdminRoutes.GatewayUsage, (IServiceProvider services) =>
        {
            if (services.GetService<GatewayService>() is not { } gateway)
                return NotGateway();
            var usage = gateway.Keys.Usage.Snapshot();
            return Results.Ok(gateway.Keys.List().Select(k =>
            {
                var (requests, spent) = usage.TryGetValue(k.Name, out var u) ? u : (0, 0UL);
                return new ApiKeyUsageResponse(k.Name, requests, spent, k.Budget, k.Budget == 0 ? null : k.Budget > spent ? k.Budget - spent : 0);
            }).ToList());
        });
        endpoints.MapGet(AdminRoutes.GatewayRoutes, (IServiceProvider services, TimeProvider time) =>
        {
            if (services.GetService<GatewayService>() is not { } gateway)
                return NotGateway();
            var now = time.GetUtcNow();
            return Results.Ok(gateway.Table.AllRoutes
                .OrderBy(r => r.Model.Name, StringComparer.Ordinal).ThenBy(r => r.Node.ToString(), StringComparer.Ordinal)
                .Select(r => new RouteResponse(r.Model.Name, r.Model.Hash, r.Node.ToString(), r.Outstanding, r.Latency.TotalMilliseconds,
                    r.Served, r.Failed, r.Breaker.State.ToString().ToLowerInvariant(), r.Breaker.IsAvailable(now), r.PricePerRequest))
                .ToList());
        });
        return endpoints;
    }

    private static IResult NotGateway() => Results.Json(
        new AdminError("this daemon does not run in gateway mode; start it with 'cerebrumd run --mode gateway'"), statusCode: StatusCodes.Status404NotFound);
}
