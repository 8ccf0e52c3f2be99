using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cerebrum.Cli.Admin;

namespace Cerebrum.Cli.Commands.Gateway;

/// <summary><c>cerebrum gateway routes</c>: where a running gateway sends each model's requests, and how each node fares.</summary>
public static class GatewayRoutesCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the routes");
        var command = new Command("routes", "List a running gateway's routes: per model and node, requests in flight, latency (moving average), served and failed jobs, and the circuit breaker's state.")
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(DaemonDirectory.Resolve(parseResult.GetValue(dataDirectoryOption)));
            var routes = await admin.GetAsync<List<RouteResponse>>("gateway/routes", cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(routes, CliJson.Options));
                return 0;
            }
            if (routes.Count == 0)
            {
                await stdout.WriteLineAsync("no routes: the gateway has heard of no node serving a model yet");
                return 0;
            }
            var rows = new List<string[]> { new[] { "MODEL", "NODE", "IN FLIGHT", "LATENCY", "SERVED", "FAILED", "CIRCUIT" } };
            rows.AddRange(routes.Select(route => new[]
            {
                route.Model,
                route.PeerId,
                route.Outstanding.ToString(CultureInfo.InvariantCulture),
                $"{TextFormat.Milliseconds(route.LatencyMs)} ms",
                route.Served.ToString(CultureInfo.InvariantCulture),
                route.Failed.ToString(CultureInfo.InvariantCulture),
                route.Available ? route.Circuit : $"{route.Circuit} (unavailable)",
            }));
            TextFormat.Table(stdout, rows);
            return 0;
        });
        return command;
    }
}
