using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Cli;

/// <summary><c>cerebrum pubsub sub</c> and <c>pub</c> in-process against an in-process daemon on 127.0.0.1.</summary>
[TestFixture]
public sealed class PubSubCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestDaemon _daemon = null!;

    [OneTimeSetUp]
    public async Task StartDaemon()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        _daemon = await TestDaemon.StartAsync(timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopDaemon() => await _daemon.DisposeAsync().AsTask().WaitAsync(Timeout);

    [Test]
    public async Task Sub_OnAStrictNoSignTopic_PrintsDashesSizeAndTextOrHex_ThenExitsAfterCount()
    {
        const string topic = "cerebrum/1/offers";
        var router = _daemon.Application.PubSub.Router;
        var before = router.GetTopicPeers(topic).Count;
        var sub = CliHelpTests.RunAsync("pubsub", "sub", "--peer", _daemon.ListenAddress, topic, "--count", "2");
        await Poll.UntilAsync(() => router.GetTopicPeers(topic).Count > before || sub.IsCompleted, Timeout);

        await router.PublishAsync(topic, "job offer 1"u8.ToArray());
        await router.PublishAsync(topic, new byte[] { 0x00, 0xff, 0x10 });
        var (exitCode, stdout, stderr) = await sub;

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout.ReplaceLineEndings("\n"), Is.EqualTo("- - 11 job offer 1\n- - 3 00ff10\n"));
    }

    [Test]
    public async Task Sub_WhenItsPeerDisconnects_PrintsOneErrorLineAndExitsNonZero()
    {
        const string topic = "cerebrum/1/offers";
        var router = _daemon.Application.PubSub.Router;
        var before = router.GetTopicPeers(topic).ToHashSet();
        var sub = CliHelpTests.RunAsync("pubsub", "sub", "--peer", _daemon.ListenAddress, topic);
        await Poll.UntilAsync(() => router.GetTopicPeers(topic).Except(before).Any() || sub.IsCompleted, Timeout);
        Assert.That(sub.IsCompleted, Is.False, "sub ended before the daemon saw its subscription");
        var cli = router.GetTopicPeers(topic).Except(before).Single();

        await _daemon.Application.Network.Host.DisconnectAsync(cli);
        var (exitCode, stdout, stderr) = await sub.WaitAsync(Timeout);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Is.Empty);
        var lines = stderr.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.StartWith("error: disconnected:"));
    }

    [Test]
    public async Task Sub_OnAStrictSignTopic_PrintsTheAuthorAndADecimalSeqno()
    {
        const string topic = "lab/signed";
        var router = _daemon.Application.PubSub.Router;
        var sub = CliHelpTests.RunAsync("pubsub", "sub", "--peer", _daemon.ListenAddress, topic, "--count", "1");
        await Poll.UntilAsync(() => router.GetTopicPeers(topic).Count > 0 || sub.IsCompleted, Timeout);

        await router.PublishAsync(topic, "héllo"u8.ToArray());
        var (exitCode, stdout, stderr) = await sub;

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout.TrimEnd(), Does.Match($"^{_daemon.PeerId} [0-9]+ 6 héllo$"));
    }

    [Test]
    public async Task Pub_DeliversToTheDaemonsSubscription_AndExitsZero()
    {
        // Not cerebrum/1/status: its validator (NodeDirectoryService) rejects anything but a signed NodeStatus.
        const string topic = "cerebrum/1/offers";
        using var subscription = await _daemon.Application.PubSub.Router.SubscribeAsync(topic);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("pubsub", "pub", "--peer", _daemon.ListenAddress, topic, "node is up");

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout.TrimEnd(), Does.Match("^published [0-9a-f]{64} to 1 peer\\(s\\)$"));
        await using var messages = subscription.Messages().GetAsyncEnumerator();
        Assert.That(await messages.MoveNextAsync().AsTask().WaitAsync(Timeout), Is.True);
        Assert.That(messages.Current.Data.ToArray(), Is.EqualTo("node is up"u8.ToArray()));
        Assert.That(messages.Current.From, Is.Null);
    }

    [Test]
    public async Task Pub_ToATopicNobodyJoined_TimesOutWithOneErrorLine()
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("pubsub", "pub", "--peer", _daemon.ListenAddress, "nobody/here", "x", "--timeout", "1");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd(), Is.EqualTo($"error: timeout: no peer subscribed to nobody/here through {_daemon.PeerId} within 1 s"));
    }

    [Test]
    public async Task Sub_OfAClosedPort_IsUnreachable()
    {
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("pubsub", "sub", "--peer", "/ip4/127.0.0.1/tcp/1", "t", "--timeout", "2");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: unreachable: "));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [TestCase("pub", "--peer", "/ip4/127.0.0.1/tcp/1", "", "data", ExpectedResult = "TOPIC must not be empty")]
    [TestCase("sub", "--peer", "/ip4/127.0.0.1/tcp/1", "t", "--bogus", ExpectedResult = "--bogus")]
    [TestCase("sub", "t", ExpectedResult = "--peer")]
    [TestCase("sub", "--peer", "/ip4/127.0.0.1/tcp/1", "t", "--count", "0", ExpectedResult = "--count must be at least 1")]
    [TestCase("pub", "--peer", "not-an-address", "t", "data", ExpectedResult = "error: invalid address")]
    public async Task<string> BadInput_ExitsNonZeroNamingTheProblem(params string[] args)
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync(["pubsub", .. args]);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Does.Not.Match("^published "));
        var expected = TestContext.CurrentContext.Test.ExpectedResult as string ?? "";
        return stderr.Contains(expected, StringComparison.Ordinal) ? expected : stderr;
    }
}
