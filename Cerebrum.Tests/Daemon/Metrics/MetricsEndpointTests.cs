using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Daemon.Metrics;

/// <summary><c>GET /metrics</c> of a running daemon, end to end through its admin API.</summary>
[TestFixture]
public sealed partial class MetricsEndpointTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestDaemon _daemon = null!;
    private TestDaemon _peer = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public async Task StartDaemons()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        _daemon = await TestDaemon.StartAsync(timeout.Token);
        _peer = await TestDaemon.StartAsync(timeout.Token, bootstrapPeers: [_daemon.ListenAddress]);
        _http = new HttpClient { BaseAddress = _daemon.AdminUrl, Timeout = Timeout };
    }

    [OneTimeTearDown]
    public async Task StopDaemons()
    {
        _http.Dispose();
        await _peer.DisposeAsync().AsTask().WaitAsync(Timeout);
        await _daemon.DisposeAsync().AsTask().WaitAsync(Timeout);
    }

    private async Task<HttpResponseMessage> GetMetricsAsync(string? bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "metrics");
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return await _http.SendAsync(request);
    }

    private async Task<string> ScrapeAsync()
    {
        using var response = await GetMetricsAsync(File.ReadAllText(_daemon.Data.CookiePath).Trim());
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        return await response.Content.ReadAsStringAsync();
    }

    [Test]
    public async Task WithoutTheCookie_Is401()
    {
        using var response = await GetMetricsAsync(null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task WithAWrongCookie_Is401()
    {
        using var response = await GetMetricsAsync(new string('0', 64));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task WithTheCookie_IsPrometheusText004()
    {
        using var response = await GetMetricsAsync(File.ReadAllText(_daemon.Data.CookiePath).Trim());

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.ToString(), Is.EqualTo("text/plain; version=0.0.4; charset=utf-8"));
    }

    [Test]
    public async Task Body_ParsesAsPrometheusText_WithHelpAndTypeBeforeEveryFamily()
    {
        var body = await ScrapeAsync();

        var families = ParseFamilies(body);
        Assert.That(families.Keys, Is.SupersetOf(new[]
        {
            "cerebrum_network_peers", "cerebrum_network_connections", "cerebrum_network_streams",
            "cerebrum_network_sent_bytes_total", "cerebrum_network_received_bytes_total",
            "cerebrum_pubsub_mesh_peers", "cerebrum_pubsub_topic_peers", "cerebrum_pubsub_messages_received_total",
        }));
        Assert.That(families["cerebrum_network_sent_bytes_total"], Is.EqualTo("counter"));
        Assert.That(families["cerebrum_network_peers"], Is.EqualTo("gauge"));
        Assert.That(body, Does.Contain("cerebrum_pubsub_mesh_peers{topic=\"cerebrum/1/"));
    }

    [Test]
    public async Task ConnectedPeer_ShowsInThePeersGaugeAndTheByteCounters()
    {
        await Poll.UntilAsync(async () => Sample(await ScrapeAsync(), "cerebrum_network_peers") == 1, Timeout);

        var body = await ScrapeAsync();
        Assert.That(Sample(body, "cerebrum_network_connections{direction=\"inbound\"}"), Is.EqualTo(1));

        // One connection between the two: what one side's sockets wrote, the other's read. Traffic (pings, gossip)
        // can be in flight at any instant, so take the first quiet reading: the peer's count the same just before and
        // just after the daemon's scrape.
        async Task<double> PeerSampleAsync(string series)
        {
            using var admin = _peer.AdminClient(Timeout);
            return Sample(await admin.GetStringAsync(new Uri("metrics", UriKind.Relative)), series);
        }
        foreach (var (ours, theirs) in new[] { ("cerebrum_network_sent_bytes_total", "cerebrum_network_received_bytes_total"), ("cerebrum_network_received_bytes_total", "cerebrum_network_sent_bytes_total") })
        {
            var reading = await Poll.UntilAsync(async () => (Before: await PeerSampleAsync(theirs), Ours: Sample(await ScrapeAsync(), ours), After: await PeerSampleAsync(theirs)),
                r => r.Before == r.After && r.Ours == r.After, Timeout,
                r => $"daemon {ours} {r.Ours}, peer {theirs} {r.Before} then {r.After}");
            Assert.That(reading.Ours, Is.GreaterThan(0), ours);
        }
    }

    /// <summary>
    /// Checks every line against the text format and returns each family's TYPE; fails on a sample line whose family
    /// has no HELP and TYPE before it.
    /// </summary>
    private static Dictionary<string, string> ParseFamilies(string body)
    {
        Assert.That(body, Does.EndWith("\n"));
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in body.TrimEnd('\n').Split('\n'))
        {
            if (HelpLine().Match(line) is { Success: true } help)
            {
                Assert.That(helped.Add(help.Groups[1].Value), Is.True, $"second HELP: {line}");
                continue;
            }
            if (TypeLine().Match(line) is { Success: true } type)
            {
                Assert.That(types.TryAdd(type.Groups[1].Value, type.Groups[2].Value), Is.True, $"second TYPE: {line}");
                continue;
            }
            var sample = SampleLine().Match(line);
            Assert.That(sample.Success, Is.True, $"not a sample line: {line}");
            var name = sample.Groups[1].Value;
            var family = types.Keys.FirstOrDefault(f => name == f || (types[f] == "histogram" && name is var n && (n == f + "_bucket" || n == f + "_sum" || n == f + "_count")));
            Assert.That(family, Is.Not.Null, $"sample before its TYPE: {line}");
            Assert.That(helped, Does.Contain(family), $"sample without HELP: {line}");
        }
        return types;
    }

    private static double Sample(string body, string series)
    {
        var line = body.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? double.NaN : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\[\\""n])*"",?)*\})? ([-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf)|NaN)$")]
    private static partial Regex SampleLine();
}
