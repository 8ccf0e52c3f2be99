using Cerebrum.Daemon;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Gateway;

[TestFixture]
public sealed class GatewayConfigurationTests
{
    [Test]
    public void TheGatewaySection_IsRead_AndTheCommandLineOverridesIt()
    {
        const string json = """{ "Modes": ["gateway"], "Gateway": { "Http": "127.0.0.1:9001", "RequestTimeout": "00:00:05", "Routing": { "MaxOutstandingPerNode": 8, "BreakerOpenTime": "00:00:01" } } }""";

        var options = Load(json);
        var overridden = Load(json, new CommandLineOverrides { GatewayHttp = "[::1]:0", GatewayOpen = true });

        Assert.That(options.HasMode(DaemonModes.Gateway), Is.True);
        Assert.That(options.Gateway.Http, Is.EqualTo("127.0.0.1:9001"));
        Assert.That(options.Gateway.Open, Is.False);
        Assert.That(options.Gateway.RequestTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.Gateway.Routing.MaxOutstandingPerNode, Is.EqualTo(8));
        Assert.That(options.Gateway.Routing.BreakerOpenTime, Is.EqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(overridden.Gateway.Http, Is.EqualTo("[::1]:0"));
        Assert.That(overridden.Gateway.Open, Is.True);
    }

    [Test]
    public void BadGatewayValues_AreNamedErrors_AllAtOnce()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() =>
            Load("""{ "Gateway": { "Http": "localhost", "MaxRequestBytes": 0, "RequestTimeout": "00:00:00", "Routing": { "LatencyWeight": 2 } } }"""));

        Assert.That(error!.Errors, Has.Some.StartsWith("Gateway:Http: 'localhost' is not IP:PORT"));
        Assert.That(error.Errors, Has.Some.StartsWith("Gateway:MaxRequestBytes: must be positive"));
        Assert.That(error.Errors, Has.Some.StartsWith("Gateway:RequestTimeout: must be a positive duration"));
        Assert.That(error.Errors, Has.Some.StartsWith("Gateway:Routing: LatencyWeight must be in (0, 1]"));
    }

    [Test]
    public void GatewayMode_WithoutTheStatusTopic_IsANamedError()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() =>
            Load("""{ "Modes": ["gateway"], "PubSub": { "Topics": ["cerebrum/1/txs"] } }"""));

        Assert.That(error!.Errors, Has.Some.EqualTo("PubSub:Topics: gateway mode needs 'cerebrum/1/status', where nodes announce themselves"));
    }

    private static DaemonOptions Load(string json, CommandLineOverrides? overrides = null)
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        File.WriteAllText(data.ConfigPath, json);
        return DaemonConfiguration.Load(DataDirectoryConfiguration.Build(data), overrides ?? new CommandLineOverrides());
    }
}
