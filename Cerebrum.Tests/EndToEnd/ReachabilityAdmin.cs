using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Operator;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// What the namespace reachability tests ask of <c>cerebrumd</c> processes through their admin API: data directories
/// with a network section, the reachability status, connecting to an address and waiting on the connections.
/// </summary>
internal static class ReachabilityAdmin
{
    /// <summary>How long each wait may take: AutoNAT rounds, reservations and hole punches between processes.</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(150);

    public static string PeerOf(string address) => address[(address.LastIndexOf("/p2p/", StringComparison.Ordinal) + 5)..];

    /// <summary>Initializes <paramref name="data"/> and sets its config's <c>Network</c> section to <paramref name="network"/>.</summary>
    public static async Task<string> InitializeAsync(string data, JsonObject network)
    {
        InitCommand.Run(new DataDirectory(data), TextWriter.Null);
        var path = Path.Combine(data, "config.json");
        var config = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
        config["Network"] = network;
        await File.WriteAllTextAsync(path, config.ToJsonString());
        return data;
    }

    public static async Task<ReachabilityResponse> StatusAsync(ChainDevnet.DaemonProcess daemon) =>
        (await daemon.Admin.GetFromJsonAsync(AdminRoutes.Status.TrimStart('/'), AdminJsonContext.Default.StatusResponse))!.Reachability!;

    public static async Task<ReachabilityResponse> WaitForStatusAsync(ChainDevnet.DaemonProcess daemon, Func<ReachabilityResponse, bool> done, string what) =>
        (await Poll.UntilAsync(async () =>
        {
            try
            {
                return await StatusAsync(daemon);
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, r => r is not null && done(r), WaitTimeout,
            r => $"{daemon.DataDirectory}: waiting for {what}; it reports {(r is null ? "nothing" : $"{r.Status}, relays [{string.Join(", ", r.Relays)}], advertised [{string.Join(", ", r.Advertised)}], {r.DirectConnections} direct, {r.RelayedConnections} relayed, punches {r.HolePunchUpgrades} direct {r.HolePunchFailures} failed")}"))!;

    /// <summary>
    /// Connects through the admin API, again until it works: a dial the daemon makes to the same peer at the same time
    /// (routing a job, or asking a provider found in the DHT for its status) is joined, and it may have tried only the
    /// peer's unreachable private address.
    /// </summary>
    public static async Task<PeerResponse> ConnectAsync(ChainDevnet.DaemonProcess from, string address)
    {
        var (ok, body) = await Poll.UntilAsync(async () =>
        {
            using var response = await from.Admin.PostAsJsonAsync(AdminRoutes.PeersConnect.TrimStart('/'), new ConnectRequest(address), AdminJsonContext.Default.ConnectRequest);
            return (response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }, r => r.IsSuccessStatusCode, WaitTimeout, r => $"{from.DataDirectory} connecting to {address}: {r.Item2}");
        Assert.That(ok, Is.True);
        return JsonSerializer.Deserialize(body, AdminJsonContext.Default.PeerResponse)!;
    }

    public static async Task<IReadOnlyList<PeerResponse>> PeersAsync(ChainDevnet.DaemonProcess daemon) =>
        (await daemon.Admin.GetFromJsonAsync(AdminRoutes.Peers.TrimStart('/'), AdminJsonContext.Default.ListPeerResponse))!;

    /// <summary>
    /// Waits until <paramref name="daemon"/>'s connections to <paramref name="peer"/> are all direct (or all relayed), at
    /// least one; <paramref name="more"/> adds to the message on a timeout.
    /// </summary>
    public static async Task WaitForPeersAsync(ChainDevnet.DaemonProcess daemon, string peer, bool direct, Func<string>? more = null) =>
        await Poll.UntilAsync(() => PeersAsync(daemon),
            peers => peers.Any(p => p.PeerId == peer && p.Relayed != direct) && peers.All(p => p.PeerId != peer || p.Relayed != direct),
            WaitTimeout, peers => $"{daemon.DataDirectory}: connections to {peer}: [{string.Join(", ", peers.Where(p => p.PeerId == peer).Select(p => $"{p.Address} {(p.Relayed ? "relayed" : "direct")}"))}]{more?.Invoke()}");
}
