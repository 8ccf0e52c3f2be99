using System.Text.Json;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Ping;
using Cerebrum.Tests.Cli;

namespace Cerebrum.Tests.Daemon;

/// <summary>The direct-dial CLI commands (ping, identify, perf) against an in-process daemon on 127.0.0.1.</summary>
[TestFixture]
public sealed class NetCommandEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestDaemon _daemon = null!;

    [OneTimeSetUp]
    public async Task StartDaemon()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        // Perf is off by default; this daemon serves it so that the CLI's perf client can be exercised.
        _daemon = await TestDaemon.StartAsync(timeout.Token,
            configure: o => o with { Network = o.Network with { Perf = o.Network.Perf with { Enabled = true } } });
    }

    [OneTimeTearDown]
    public async Task StopDaemon() => await _daemon.DisposeAsync().AsTask().WaitAsync(Timeout);

    [Test]
    public async Task Ping_PrintsOnePongPerCountWithMilliseconds()
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("net", "ping", _daemon.ListenAddress, "--count", "3", "--interval", "0");

        Assert.That(exitCode, Is.Zero, stderr);
        var lines = stdout.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines, Has.All.Match($"^pong from {_daemon.PeerId} time=\\d+\\.\\d\\d ms$"));
    }

    [Test]
    public async Task Ping_WithAnotherPeersId_ReportsTheMismatch()
    {
        using var other = PrivateKey.Generate(KeyType.Secp256k1);
        var address = $"{_daemon.ListenAddressWithoutPeerId}/p2p/{other.PeerId}";

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("net", "ping", address, "--count", "1");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd(), Is.EqualTo($"error: peer ID mismatch: expected {other.PeerId}, got {_daemon.PeerId}"));
    }

    [Test]
    public async Task Ping_OfAClosedPort_IsUnreachable()
    {
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("net", "ping", $"/ip4/127.0.0.1/tcp/{ClosedPort()}", "--count", "1");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: unreachable: "));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public async Task Ping_OfANonLibp2pServer_IsAHandshakeFailure()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var garbage = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray());
            await stream.FlushAsync();
            client.Client.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        });

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("net", "ping", $"/ip4/127.0.0.1/tcp/{port}", "--count", "1", "--timeout", "5");
        await garbage.WaitAsync(Timeout);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: handshake failed: "));
    }

    [Test]
    public async Task Ping_OfAPeerWithoutPing_SaysProtocolNotSupported()
    {
        using var identity = PrivateKey.Generate(KeyType.Ed25519);
        await using var host = new PeerHost(new PeerHostOptions { Identity = identity, ListenAddresses = [Multiaddress.Parse("/ip4/127.0.0.1/tcp/0")] });
        host.RemoveHandler(PingService.ProtocolId);
        await host.StartAsync();
        var address = $"{host.ListenAddresses[0]}/p2p/{host.PeerId}";

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("net", "ping", address, "--count", "1");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr.TrimEnd(), Is.EqualTo("error: protocol not supported: /ipfs/ping/1.0.0"));
    }

    [Test]
    public async Task Ping_OfAnInvalidAddress_SaysSo()
    {
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("net", "ping", "127.0.0.1:4001");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: invalid address"));
    }

    [Test]
    public async Task IdentifyJson_DescribesTheDaemon()
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("net", "identify", _daemon.ListenAddress, "--json");

        Assert.That(exitCode, Is.Zero, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.That(root.GetProperty("peerId").GetString(), Is.EqualTo(_daemon.PeerId.ToString()));
        Assert.That(root.GetProperty("agentVersion").GetString(), Is.EqualTo("cerebrumd/0.1.0"));
        Assert.That(root.GetProperty("protocolVersion").GetString(), Is.EqualTo("ipfs/0.1.0"));
        var protocols = root.GetProperty("protocols").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.That(protocols, Does.Contain("/ipfs/ping/1.0.0").And.Contain("/ipfs/id/1.0.0").And.Contain("/perf/1.0.0"));
        var listenAddrs = root.GetProperty("listenAddrs").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.That(listenAddrs, Does.Contain(_daemon.ListenAddressWithoutPeerId));
        Assert.That(root.GetProperty("observedAddr").GetString(), Does.StartWith("/ip4/127.0.0.1/tcp/"));
        var publicKey = PublicKey.FromProtobuf(Convert.FromHexString(root.GetProperty("publicKey").GetString()!));
        Assert.That(publicKey.ToPeerId(), Is.EqualTo(_daemon.PeerId));
    }

    [Test]
    public async Task Identify_PrintsReadableFields()
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("net", "identify", _daemon.ListenAddress);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain($"peer id           {_daemon.PeerId}"));
        Assert.That(stdout, Does.Contain("agent version     cerebrumd/0.1.0"));
        Assert.That(stdout, Does.Contain("/ipfs/ping/1.0.0"));
        Assert.That(stdout, Does.Contain("observed addr     /ip4/127.0.0.1/tcp/"));
    }

    [Test]
    public async Task PerfJson_MovesTheRequestedBytes()
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync(
            "net", "perf", _daemon.ListenAddress, "--upload", "300000", "--download", "500000", "--streams", "2", "--json");

        Assert.That(exitCode, Is.Zero, stderr);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.That(root.GetProperty("uploadBytes").GetInt64(), Is.EqualTo(300_000));
        Assert.That(root.GetProperty("downloadBytes").GetInt64(), Is.EqualTo(500_000));
        Assert.That(root.GetProperty("streams").GetInt32(), Is.EqualTo(2));
        Assert.That(root.GetProperty("totalSeconds").GetDouble(), Is.GreaterThan(0));
        Assert.That(root.GetProperty("downloadMBps").GetDouble(), Is.GreaterThan(0));
    }

    [Test]
    public async Task Perf_PrintsRatesAndTotal()
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync(
            "net", "perf", _daemon.ListenAddress, "--upload", "100000", "--download", "100000");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Match(@"upload +100000 bytes in \d+\.\d{3} s: \d+\.\d\d MB/s"));
        Assert.That(stdout, Does.Match(@"download +100000 bytes in \d+\.\d{3} s: \d+\.\d\d MB/s"));
        Assert.That(stdout, Does.Match(@"total +\d+\.\d{3} s over 1 stream"));
    }

    internal static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
