using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Core.Operator.Configuration;
using Cerebrum.Daemon.Admin;
using Cerebrum.Daemon.Configuration;

namespace Cerebrum.Daemon.Doctor;

/// <summary>
/// <c>cerebrumd doctor</c>'s line about the node on the ledger: registered or not, and in which state. Asks the running
/// daemon's admin API when one runs, else reads the data directory's ledger. On a ledger, not registered is a failure in
/// node mode (gateways route to Active nodes only), as is being jailed; a daemon without a ledger is only told how to
/// join one.
/// </summary>
internal static class RegistrationCheck
{
    private const string Name = "registration";

    public static async Task<DoctorCheck?> RunAsync(DataDirectory dataDirectory, DaemonOptions options, CancellationToken cancellationToken)
    {
        var nodeMode = options.HasMode(DaemonModes.Node);
        string? genesisPath;
        try
        {
            genesisPath = options.ResolveGenesisPath(dataDirectory);
        }
        catch (InvalidConfigurationException)
        {
            return null; // the config check said so
        }
        if (genesisPath is null)
            return nodeMode
                ? DoctorCheck.Ok(Name, "no ledger (no genesis file), so no registration to check; on a network, set Chain:Genesis to its genesis file and run 'cerebrum node register' (gateways route to registered, Active nodes)")
                : null;
        PeerId self;
        try
        {
            using var key = KeyFile.Load(dataDirectory.KeyPath);
            self = key.PeerId;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            return null; // the key check said so
        }
        ChainNodeResponse? node;
        try
        {
            node = await FromRunningDaemonAsync(dataDirectory, self, cancellationToken) ?? FromLedger(dataDirectory, genesisPath, self);
        }
        catch (Exception e) when (e is ChainException or IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return DoctorCheck.Fail(Name, $"cannot read the ledger in {dataDirectory.Root}: {e.Message}");
        }
        if (node is null)
        {
            var fix = $"register it with 'cerebrum node register --stake N --region REGION --data-dir {dataDirectory.Root}' (N at least the genesis minNodeStake)";
            return nodeMode ? DoctorCheck.Fail(Name, $"{self} is not a registered node; {fix}") : DoctorCheck.Ok(Name, $"{self} is not a registered node (node mode is not configured)");
        }
        var figures = $"stake {node.Stake}, reputation {node.ReputationPpm / 10_000.0:0.0} %, attested {node.AttestedMflops} MFLOPS of {node.ClaimedMflops} claimed";
        return node.State switch
        {
            "active" => DoctorCheck.Ok(Name, $"active: {figures}"),
            "jailed" => DoctorCheck.Fail(Name, $"jailed until {node.JailedUntil:yyyy-MM-dd HH:mm:ss} UTC ({figures}); it returns to Active after that on a fresh passing check: keep it running and answering"),
            _ => DoctorCheck.Ok(Name, $"registered, not yet Active: waiting for the validators' hardware checks ({figures})"),
        };
    }

    /// <summary>The node as the running daemon's ledger has it; null when no daemon answers (or it is not registered: then the ledger says so too).</summary>
    private static async Task<ChainNodeResponse?> FromRunningDaemonAsync(DataDirectory dataDirectory, PeerId self, CancellationToken cancellationToken)
    {
        if (!File.Exists(dataDirectory.AdminUrlPath) || !File.Exists(dataDirectory.CookiePath)) return null;
        using var http = new HttpClient { BaseAddress = new Uri((await File.ReadAllTextAsync(dataDirectory.AdminUrlPath, cancellationToken)).Trim()), Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(dataDirectory.CookiePath, cancellationToken)).Trim());
        try
        {
            using var response = await http.GetAsync(new Uri(AdminRoutes.ChainNodeOf(self.ToString()).TrimStart('/'), UriKind.Relative), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync(AdminJsonContext.Default.ChainNodeResponse, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null; // no daemon runs (a stale admin.url): read the ledger itself
        }
    }

    private static ChainNodeResponse? FromLedger(DataDirectory dataDirectory, string genesisPath, PeerId self)
    {
        if (!File.Exists(dataDirectory.ChainStorePath)) return null;
        using var chain = ChainNode.Open(new ChainNodeOptions { DataDirectory = dataDirectory.Root, Genesis = GenesisDocument.Load(genesisPath) });
        if (chain.GetNode(self) is not { } node) return null;
        return new ChainNodeResponse(self.ToString(), ChainNodeEndpoints.StateName(node.Lifecycle), node.Stake, node.ReputationPpm, node.Hardware, node.Region,
            node.Claim?.ClaimedMflops ?? 0, node.Claim?.Gpu ?? false, node.Figures?.ThroughputMflops ?? 0, node.Figures?.ThroughputPermille ?? 0,
            node.Figures?.ClassPermille ?? 0, node.Figures?.LatencyMicros ?? 0, [], node.Figures?.CanaryPassed ?? 0, node.Figures?.CanaryFailed ?? 0,
            node.Figures?.CanaryPassPpm ?? 0, node.Figures?.AvailabilityPpm ?? 0, node.Figures?.LastAttestationHeight ?? 0, node.RegisteredHeight,
            node.History?.ActivatedHeight ?? 0,
            node.Lifecycle == NodeLifecycle.Jailed ? DateTimeOffset.FromUnixTimeMilliseconds(node.JailedUntilUnixMs).UtcDateTime : null,
            node.History?.JailCount ?? 0, node.History?.Slashed ?? 0, [.. node.ModelHashes], []);
    }
}
