using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.PubSub;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Daemon;

/// <summary>The daemon bans peers whose gossipsub score falls below the graylist threshold.</summary>
[TestFixture]
public sealed class PubSubBanTests
{
    private const string Topic = "cerebrum/1/txs";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task APeerFloodingInvalidMessages_IsBanned_ItsConnectionClosed_AndItsRedialsRefused()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var daemon = await TestDaemon.StartAsync(cts.Token);
        var daemonRouter = daemon.Application.PubSub.Router;
        var daemonHost = daemon.Application.Network.Host;
        var validated = 0;
        daemonRouter.RegisterValidator(Topic, (_, _) =>
        {
            Interlocked.Increment(ref validated);
            return ValueTask.FromResult(ValidationResult.Reject);
        });

        await using var attackerHost = await TestHosts.StartAsync(KeyType.Ed25519);
        await using var attacker = new GossipRouter(attackerHost.Identity, new GossipsubOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            Topics = new Dictionary<string, TopicOptions> { [Topic] = new() { SignaturePolicy = SignaturePolicy.StrictNoSign } },
        });
        attacker.Start();
        await using var binding = new GossipHostBinding(attackerHost, attacker);
        binding.Start();
        var connection = await attackerHost.DialAsync(daemon.ListenAddress, cts.Token);
        await Poll.UntilAsync(() => attacker.GetTopicPeers(Topic).Contains(daemon.PeerId), Timeout);
        Assert.That(daemonRouter.GetScore(attackerHost.PeerId), Is.GreaterThanOrEqualTo(0));

        // Each rejected message adds to P4 (squared), so a handful take the score below the graylist threshold (-80).
        for (var i = 0; i < 20; i++)
            await attacker.PublishAsync(Topic, System.Text.Encoding.UTF8.GetBytes($"invalid transaction {i}"), cts.Token);

        await Poll.UntilAsync(() => daemonHost.IsBanned(attackerHost.PeerId), Timeout);
        Assert.That(validated, Is.GreaterThan(0), "the daemon's validator saw the attacker's messages");
        Assert.That(daemonRouter.GetScore(attackerHost.PeerId), Is.LessThan(new PeerScoreThresholds().GraylistThreshold));
        await Poll.UntilAsync(() => connection.IsClosed, Timeout);
        Assert.That(daemonHost.FindConnection(attackerHost.PeerId), Is.Null);

        try
        {
            var redial = await attackerHost.DialAsync(daemon.ListenAddress, cts.Token);
            await Poll.UntilAsync(() => redial.IsClosed, Timeout);
        }
        catch (DialException)
        {
            // also a refusal: the daemon closed before the attacker finished its handshake
        }
        Assert.That(daemonHost.FindConnection(attackerHost.PeerId), Is.Null);
        Assert.That(daemonHost.IsBanned(attackerHost.PeerId), Is.True);
    }
}
