using System.CommandLine;
using System.Globalization;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Gateway;

/// <summary><c>cerebrum gateway routes</c>: where a running gateway sends each model's requests, and how each node fares.</summary>
public static class GatewayRoutesCommand
{
    public static Command Create() => AdminListCommand.Create<RouteResponse>(
        "routes", "List a running gateway's routes: per model and node, requests in flight, latency (moving average), served and failed jobs, and the circuit breaker's state.",
        "the routes", AdminRoutes.GatewayRoutes, AdminJsonContext.Default.ListRouteResponse, "no routes: the gateway has heard of no node serving a model yet",
        ["MODEL", "NODE", "IN FLIGHT", "LATENCY", "SERVED", "FAILED", "CIRCUIT"],
        route =>
        [
            route.Model,
            route.PeerId,
            route.Outstanding.ToString(CultureInfo.InvariantCulture),
            $"{TextFormat.Milliseconds(route.LatencyMs)} ms",
            route.Served.ToString(CultureInfo.InvariantCulture),
            route.Failed.ToString(CultureInfo.InvariantCulture),
            route.Available ? route.Circuit : $"{route.Circuit} (unavailable)",
        ]);
}
