using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.Cli;
using DataDirectory = Cerebrum.Core.Operator.DataDirectory;

namespace Cerebrum.Tests.Daemon;

/// <summary>Two in-process daemons on 127.0.0.1: net connect, net peers, status and the bootstrap dialer.</summary>
[TestFixture]
public sealed class DaemonPeersEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Connect_ThenPeersAndStatusShowTheConnectionOnBothSides()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var a = await TestDaemon.StartAsync(timeout.Token);
        await using var b = await TestDaemon.StartAsync(timeout.Token);
        var inboundAtA = WaitForConnectionAsync(a, b.PeerId);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("net", "connect", a.ListenAddress, "--data-dir", b.Data.Root);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.StartWith($"connected to {a.PeerId} at {a.ListenAddressWithoutPeerId}").And.Contain("cerebrumd/0.1.0"));
        await inboundAtA;

        var (_, peersOfB, _) = await CliHelpTests.RunAsync("net", "peers", "--data-dir", b.Data.Root);
        Assert.That(peersOfB, Does.Contain("PEER ID").And.Contain("LATENCY"));
        var row = peersOfB.Split('\n').Single(line => line.StartsWith(a.PeerId.ToString(), StringComparison.Ordinal));
        Assert.That(row, Does.Contain(a.ListenAddressWithoutPeerId).And.Contain("outbound").And.Contain("cerebrumd/0.1.0"));
        Assert.That(row, Does.Match(@"\d+\.\d\d ms$"), "connect measures the latency");

        var (_, peersOfAJson, _) = await CliHelpTests.RunAsync("net", "peers", "--data-dir", a.Data.Root, "--json");
        using var json = JsonDocument.Parse(peersOfAJson);
        var peer = json.RootElement.EnumerateArray().Single();
        Assert.That(peer.GetProperty("peerId").GetString(), Is.EqualTo(b.PeerId.ToString()));
        Assert.That(peer.GetProperty("direction").GetString(), Is.EqualTo("inbound"));
        Assert.That(peer.GetProperty("address").GetString(), Does.StartWith("/ip4/127.0.0.1/tcp/"));

        var (_, status, _) = await CliHelpTests.RunAsync("status", "--data-dir", b.Data.Root);
        Assert.That(status, Does.Contain($"peer id    {b.PeerId}").And.Contain($"listening  {b.ListenAddress}").And.Contain("peers      1 connected"));
    }

    [Test]
    public async Task StatusJson_HasTheDocumentedFields()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var daemon = await TestDaemon.StartAsync(timeout.Token);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("status", "--data-dir", daemon.Data.Root, "--json");

        Assert.That(exitCode, Is.Zero, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.That(root.GetProperty("peerId").GetString(), Is.EqualTo(daemon.PeerId.ToString()));
        Assert.That(root.GetProperty("agentVersion").GetString(), Is.EqualTo("cerebrumd/0.1.0"));
        Assert.That(root.GetProperty("listenAddrs").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { daemon.ListenAddress }));
        Assert.That(root.GetProperty("uptimeSeconds").GetInt64(), Is.GreaterThanOrEqualTo(0));
        Assert.That(root.GetProperty("connectedPeers").GetInt32(), Is.Zero);
        Assert.That(root.GetProperty("startedAt").GetDateTimeOffset(), Is.LessThanOrEqualTo(DateTimeOffset.UtcNow));
    }

    [Test]
    public async Task Connect_ToAClosedPort_ReportsUnreachable()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var daemon = await TestDaemon.StartAsync(timeout.Token);

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync(
            "net", "connect", $"/ip4/127.0.0.1/tcp/{NetCommandEndToEndTests.ClosedPort()}", "--data-dir", daemon.Data.Root);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: unreachable: "));
    }

    [TestCase("""{"addr":"not a multiaddr"}""", HttpStatusCode.BadRequest)]
    [TestCase("""{"address":"/ip4/127.0.0.1/tcp/1"}""", HttpStatusCode.BadRequest)]
    [TestCase("""{"addr":""", HttpStatusCode.BadRequest)]
    public async Task ConnectEndpoint_RejectsBadBodiesWithAJsonError(string body, HttpStatusCode expected)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var daemon = await TestDaemon.StartAsync(timeout.Token);
        using var http = daemon.AdminClient(Timeout);

        using var response = await http.PostAsync(new Uri("peers/connect", UriKind.Relative), new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(expected));
        var error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(error.GetProperty("error").GetString(), Is.Not.Empty);
    }

    [Test]
    public async Task BootstrapPeers_AreDialedAtStart()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var seed = await TestDaemon.StartAsync(timeout.Token);
        var connected = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        seed.Application.Network.Host.ConnectionOpened += (_, e) => connected.TrySetResult(e.Connection.RemotePeer.ToString());

        await using var node = await TestDaemon.StartAsync(timeout.Token, bootstrapPeers: [seed.ListenAddress]);

        Assert.That(await connected.Task.WaitAsync(Timeout), Is.EqualTo(node.PeerId.ToString()));
    }

    [Test]
    public async Task BootstrapPeerThatComesUpLater_IsRedialed()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var seedDirectory = TemporaryDirectory.Create();
        using var nodeDirectory = TemporaryDirectory.Create();
        PeerId seedId;
        using (var seedKey = KeyFile.Create(new DataDirectory(seedDirectory.Path).KeyPath))
            seedId = seedKey.PeerId;
        File.WriteAllText(new DataDirectory(nodeDirectory.Path).ConfigPath,
            """{ "Network": { "DialBackoffBase": "00:00:00.100", "DialBackoffMax": "00:00:00.400" } }""");
        var port = NetCommandEndToEndTests.ClosedPort();

        // Nothing listens on the seed's port yet, so the node's first dials fail and it must retry.
        await using var node = await TestDaemon.StartAsync(timeout.Token, nodeDirectory.Path, bootstrapPeers: [$"/ip4/127.0.0.1/tcp/{port}/p2p/{seedId}"]);
        await using var seed = await TestDaemon.StartAsync(timeout.Token, seedDirectory.Path, listenAddress: $"/ip4/127.0.0.1/tcp/{port}");

        await WaitForConnectionAsync(seed, node.PeerId);
        Assert.That(seed.PeerId, Is.EqualTo(seedId));
    }

    private static Task WaitForConnectionAsync(TestDaemon daemon, PeerId remote)
    {
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        daemon.Application.Network.Host.ConnectionOpened += (_, e) =>
        {
            if (e.Connection.RemotePeer == remote) opened.TrySetResult();
        };
        if (daemon.Application.Network.Host.FindConnection(remote) is not null) opened.TrySetResult();
        return opened.Task.WaitAsync(Timeout);
    }

}
