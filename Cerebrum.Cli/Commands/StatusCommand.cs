using System.CommandLine;
using System.Text.Json;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands;

/// <summary><c>cerebrum status</c>: the local daemon's identity, addresses, uptime and peer count, from its admin API.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the daemon's status");
        var command = new Command("status", "Show the local daemon's peer ID, listen addresses, uptime and number of connected peers (via its admin API).")
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectoryOption));
            var status = await admin.GetAsync(AdminRoutes.Status, AdminJsonContext.Default.StatusResponse, cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(status, CliJson.Options));
                return 0;
            }
            await stdout.WriteLineAsync($"peer id    {status.PeerId}");
            await stdout.WriteLineAsync($"agent      {status.AgentVersion}");
            await stdout.WriteLineAsync($"modes      {(status.Modes is { Count: > 0 } modes ? string.Join(", ", modes) : "none (a plain network peer)")}");
            if (status.ListenAddrs.Count == 0)
                await stdout.WriteLineAsync("listening  (none)");
            foreach (var address in status.ListenAddrs)
                await stdout.WriteLineAsync($"listening  {address}");
            await stdout.WriteLineAsync($"uptime     {TextFormat.Duration(TimeSpan.FromSeconds(status.UptimeSeconds))} (since {status.StartedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC)");
            await stdout.WriteLineAsync($"peers      {status.ConnectedPeers} connected");
            if (status.Reachability is { } reach)
            {
                await stdout.WriteLineAsync($"reachable  {reach.Status}{(reach.Relays.Count > 0 ? $" (through relays {string.Join(", ", reach.Relays)})" : "")}");
                await stdout.WriteLineAsync($"links      {reach.DirectConnections} direct, {reach.RelayedConnections} relayed; hole punches {reach.HolePunchUpgrades} direct, {reach.HolePunchFailures} stayed relayed");
                if (reach.Relaying)
                    await stdout.WriteLineAsync($"relaying   {reach.RelayReservations} reservations, {reach.RelayCircuits} circuits open, {reach.RelayCircuitsEnded} ended");
                await stdout.WriteLineAsync($"serves     {(reach.Relaying ? "relay, " : "")}{(reach.DhtServer ? "dht" : "dht client only")} ({reach.DhtPeers} dht peers)");
            }
            return 0;
        });
        return command;
    }
}
