using System.Net;
using System.Net.Http.Json;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// The supply invariant as tests check it: after every block a watched <see cref="ChainNode"/> commits, the whole state
/// is recounted and must hold exactly the genesis supply (failing inside the commit's caller fails the test at that
/// block). A daemon (in-process or a child process) recounts after every block itself with <c>Chain:AuditSupply</c>,
/// which <c>init --devnet</c> turns on; the test harnesses ask it, before they stop it, whether any block changed it.
/// </summary>
internal static class SupplyInvariant
{
    public static ChainNode Watch(ChainNode node)
    {
        node.BlockCommitted += (_, committed) => Check(node, committed.Status.Height);
        return node;
    }

    public static void Check(ChainNode node, ulong height)
    {
        var supply = node.Supply;
        Assert.That(supply.Total, Is.EqualTo(node.GenesisSupply), () => $"the supply changed at block {height}: {supply}");
    }

    /// <summary>Checks a running daemon's own per-block audit through its admin API; a daemon without a ledger passes.</summary>
    public static async Task CheckDaemonAsync(HttpClient admin, string who)
    {
        HttpResponseMessage response;
        try
        {
            response = await admin.GetAsync(new Uri(AdminRoutes.ChainSupply.TrimStart('/'), UriKind.Relative)).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException)
        {
            // The daemon cannot answer (stopped or cut off by the test): its own log reports any change at the block it saw it.
            return;
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable) return;
            response.EnsureSuccessStatusCode();
            var supply = (await response.Content.ReadFromJsonAsync(AdminJsonContext.Default.ChainSupplyResponse))!;
            Assert.That(supply.FirstMismatchHeight, Is.Null, () => $"{who}: the supply changed at block {supply.FirstMismatchHeight}");
            Assert.That(supply.Total, Is.EqualTo(supply.Genesis), () => $"{who}: supply {supply.Total} at height {supply.Height}, genesis {supply.Genesis}");
        }
    }

    /// <summary>Checks an in-process ledger's own per-block audit (a no-op when it does not audit).</summary>
    public static void CheckAudit(ChainNode node, string who)
    {
        var audit = node.SupplyAudit;
        Assert.That(audit.FirstMismatchHeight, Is.Null, () => $"{who}: the supply changed at block {audit.FirstMismatchHeight} ({audit.MismatchTotal})");
        Assert.That(node.Supply.Total, Is.EqualTo(node.GenesisSupply), () => $"{who}: the supply differs from genesis");
    }
}
