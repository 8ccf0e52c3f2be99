using System.Globalization;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Daemon.Metrics;

/// <summary>The ledger's gauges on <c>GET /metrics</c> of a one-validator devnet daemon.</summary>
[TestFixture]
public sealed class ChainMetricsEndpointTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task ChainHeight_FollowsTheCommittedBlocks()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var (data, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cts.Token);
        using var faucetKey = faucet;
        await using var daemon = await TestDaemon.StartAsync(cts.Token, dataDirectory: data);
        using var http = daemon.AdminClient(Timeout);

        async Task<string> ScrapeAsync() => await http.GetStringAsync(new Uri("metrics", UriKind.Relative), cts.Token);

        var body = await Poll.UntilAsync(ScrapeAsync, b => Sample(b, "cerebrum_chain_height") >= 2, Timeout,
            b => $"cerebrum_chain_height {Sample(b, "cerebrum_chain_height")}");
        Assert.That(body, Does.Contain("# TYPE cerebrum_chain_height gauge\n"));
        Assert.That(Sample(body, "cerebrum_chain_mempool_transactions"), Is.GreaterThanOrEqualTo(0));
    }

    private static double Sample(string body, string series)
    {
        var line = body.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }
}
