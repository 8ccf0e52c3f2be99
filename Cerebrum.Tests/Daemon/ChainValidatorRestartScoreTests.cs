using Cerebrum.Core.PubSub;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.PubSub;
using Cerebrum.Tests.PubSub;

namespace Cerebrum.Tests.Daemon;

/// <summary>
/// A validator that stops gracefully PRUNEs its peers with a backoff, and restarted within it GRAFTs every topic again:
/// with the daemon's score parameters its peers do not graylist (and ban) it for that.
/// </summary>
[TestFixture]
public sealed class ChainValidatorRestartScoreTests
{
    [Test]
    public void APeerRegraftingEveryTopicAfterARestart_StaysAboveTheGraylistThreshold_WithTheDaemonsParameters()
    {
        var thresholds = new PeerScoreThresholds();
        Assert.That(ScoreAfterRestart(PubSubService.CreateScoreParams(PubSubOptions.DefaultTopics)), Is.GreaterThan(thresholds.GraylistThreshold));
        Assert.That(ScoreAfterRestart(new PeerScoreParams()), Is.LessThan(thresholds.GraylistThreshold), "without the threshold it would be graylisted");
    }

    private static double ScoreAfterRestart(PeerScoreParams scoreParams)
    {
        var topics = PubSubOptions.DefaultTopics;
        var h = new CoreHarness(PubSubService.CreateRouterOptions(topics), scoreParams);
        foreach (var topic in topics) h.Core.Subscribe(topic);
        var peer = CoreHarness.NewPeer();
        h.Core.AddPeer(peer, GossipsubVersion.V1_2, outbound: false);
        h.Receive(peer, new Cerebrum.Core.PubSub.Proto.RPC { Subscriptions = { topics.Select(t => new Cerebrum.Core.PubSub.Proto.SubOpts { Subscribe = true, Topicid = t }) } });
        h.Heartbeat();
        // Graceful stop: PRUNE with backoff on every topic; the restarted peer GRAFTs them all at once.
        foreach (var topic in topics) h.Receive(peer, CoreHarness.Prune(topic, backoffSeconds: 60));
        h.Core.RemovePeer(peer);
        h.Core.AddPeer(peer, GossipsubVersion.V1_2, outbound: false);
        h.Receive(peer, new Cerebrum.Core.PubSub.Proto.RPC { Subscriptions = { topics.Select(t => new Cerebrum.Core.PubSub.Proto.SubOpts { Subscribe = true, Topicid = t }) } });
        foreach (var topic in topics) h.Receive(peer, CoreHarness.Graft(topic));
        return h.Core.Score(peer);
    }
}
