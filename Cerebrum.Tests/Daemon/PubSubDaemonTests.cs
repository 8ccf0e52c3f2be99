using Cerebrum.Core.PubSub;
using Cerebrum.Daemon;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.Configuration;

namespace Cerebrum.Tests.Daemon;

/// <summary>The daemon runs a gossipsub router and joins its configured topics.</summary>
[TestFixture]
public sealed class PubSubDaemonTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task TwoDaemons_JoinTheDefaultTopics_AndExchangeAMessage()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var a = await TestDaemon.StartAsync(cts.Token);
        await using var b = await TestDaemon.StartAsync(cts.Token, bootstrapPeers: [a.ListenAddress]);
        const string topic = "cerebrum/1/txs";
        using var atB = await b.Application.PubSub.Router.SubscribeAsync(topic);

        await Poll.UntilAsync(() => a.Application.PubSub.Router.GetMeshPeers(topic).Contains(b.PeerId), Timeout);
        await a.Application.PubSub.Router.PublishAsync(topic, "a signed transaction"u8.ToArray(), cts.Token);

        await using var messages = atB.Messages(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.That(await messages.MoveNextAsync(), Is.True);
        Assert.That(messages.Current.Data.ToArray(), Is.EqualTo("a signed transaction"u8.ToArray()));
        Assert.That(messages.Current.From, Is.Null, "cerebrum/1/* topics are StrictNoSign");
        var status = a.Application.PubSub.GetTopicStatus();
        Assert.That(status.Select(s => s.Topic), Is.EqualTo(PubSubOptions.DefaultTopics));
        Assert.That(status.Single(s => s.Topic == topic).TopicPeers, Is.EqualTo(1));
    }

    [Test]
    public async Task ConfiguredTopics_ReplaceTheDefaults()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        File.WriteAllText(Path.Combine(directory.Path, "config.json"), """{ "PubSub": { "Topics": [ "lab/one", "cerebrum/1/status" ] } }""");
        await using var daemon = await TestDaemon.StartAsync(cts.Token, dataDirectory: directory.Path);

        Assert.That(daemon.Application.PubSub.Topics, Is.EqualTo(new[] { "lab/one", "cerebrum/1/status" }));
        Assert.That(daemon.Application.PubSub.Router.Options.GetTopicOptions("lab/one").SignaturePolicy, Is.EqualTo(SignaturePolicy.StrictSign));
        Assert.That(daemon.Application.PubSub.Router.Options.GetTopicOptions("cerebrum/1/status").SignaturePolicy, Is.EqualTo(SignaturePolicy.StrictNoSign));
    }

    [Test]
    public void AnEmptyTopicOrBanDuration_IsAConfigurationErrorNamingItsKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PubSub:Topics:0"] = "ok/topic",
            ["PubSub:Topics:1"] = " ",
            ["PubSub:BanDuration"] = "00:00:00",
        }).Build();

        var error = Assert.Throws<InvalidConfigurationException>(() => DaemonConfiguration.Load(configuration, new CommandLineOverrides()));

        Assert.That(error!.Message, Does.Contain("PubSub:Topics:1").And.Contain("PubSub:BanDuration"));
    }

    [Test]
    public void WithoutAPubSubSection_TheSevenCerebrumTopicsAreJoined()
    {
        var options = DaemonConfiguration.Load(new ConfigurationBuilder().Build(), new CommandLineOverrides());

        Assert.That(options.PubSub.Topics, Has.Count.EqualTo(7).And.All.StartWith("cerebrum/1/"));
        Assert.That(options.PubSub.Topics, Does.Contain("cerebrum/1/evidence"));
    }

    [Test]
    public void BadHeartbeatAndNodeStatusSettings_AreConfigurationErrorsNamingTheirKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Node:HeartbeatInterval"] = "00:00:00",
            ["Node:PricePerRequest"] = "-1",
            ["PubSub:NodeStatusExpiry"] = "-00:00:01",
            ["PubSub:MaxNodeStatuses"] = "0",
        }).Build();

        var error = Assert.Throws<InvalidConfigurationException>(() => DaemonConfiguration.Load(configuration, new CommandLineOverrides()));

        Assert.That(error!.Message, Does.Contain("Node:HeartbeatInterval").And.Contain("Node:PricePerRequest")
            .And.Contain("PubSub:NodeStatusExpiry").And.Contain("PubSub:MaxNodeStatuses"));
    }

    [Test]
    public void WithoutSettings_TheHeartbeatIsEveryFiveSecondsAndFree()
    {
        var options = DaemonConfiguration.Load(new ConfigurationBuilder().Build(), new CommandLineOverrides());

        Assert.That(options.Node.HeartbeatInterval, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(options.Node.PricePerRequest, Is.Zero);
    }
}
