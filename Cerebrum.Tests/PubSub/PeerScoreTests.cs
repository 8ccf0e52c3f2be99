using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Core.PubSub.Proto;
using static Cerebrum.Tests.PubSub.CoreHarness;

namespace Cerebrum.Tests.PubSub;

public sealed class PeerScoreTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    private static MessageId Id(int i) => new(BitConverter.GetBytes(i));

    private static PeerScore NewScore(TopicScoreParams? topic = null, PeerScoreParams? global = null) =>
        new((global ?? new PeerScoreParams()) with
        {
            Topics = new Dictionary<string, TopicScoreParams> { [Topic] = topic ?? new TopicScoreParams() },
            DefaultTopicParams = null,
        }, TimeSpan.FromMinutes(2));

    [Test]
    public void P1_time_in_mesh_grows_per_quantum_up_to_the_cap()
    {
        var score = NewScore(new TopicScoreParams { TimeInMeshWeight = 1, TimeInMeshQuantum = Second, TimeInMeshCap = 10 });
        var peer = NewPeer();
        score.AddPeer(peer, null);
        score.Graft(peer, Topic, TimeSpan.Zero);
        Assert.That(score.Score(peer, 4 * Second), Is.EqualTo(4).Within(1e-9));
        Assert.That(score.Score(peer, 100 * Second), Is.EqualTo(10).Within(1e-9));
        score.Prune(peer, Topic);
        Assert.That(score.Score(peer, 100 * Second), Is.Zero);
    }

    [Test]
    public void P2_first_deliveries_are_capped_and_decay()
    {
        var score = NewScore(new TopicScoreParams { TimeInMeshWeight = 0, FirstMessageDeliveriesWeight = 1, FirstMessageDeliveriesCap = 3, FirstMessageDeliveriesDecay = 0.5 });
        var peer = NewPeer();
        score.AddPeer(peer, null);
        for (var i = 0; i < 5; i++)
        {
            score.ValidateMessage(Id(i), TimeSpan.Zero);
            score.DeliverMessage(peer, Id(i), Topic, TimeSpan.Zero);
        }
        Assert.That(score.Score(peer, TimeSpan.Zero), Is.EqualTo(3).Within(1e-9));
        score.Decay(Second);
        Assert.That(score.Score(peer, Second), Is.EqualTo(1.5).Within(1e-9));
        for (var i = 0; i < 10; i++) score.Decay(Second);
        Assert.That(score.Score(peer, Second), Is.Zero, "decays to zero below DecayToZero");
    }

    [Test]
    public void P3_penalises_a_mesh_delivery_deficit_after_activation_and_P3b_remembers_it_after_prune()
    {
        var topic = new TopicScoreParams
        {
            TimeInMeshWeight = 0,
            FirstMessageDeliveriesWeight = 0,
            MeshMessageDeliveriesWeight = -1,
            MeshMessageDeliveriesThreshold = 4,
            MeshMessageDeliveriesCap = 10,
            MeshMessageDeliveriesActivation = 5 * Second,
            MeshMessageDeliveriesDecay = 0.99,
            MeshFailurePenaltyWeight = -1,
            MeshFailurePenaltyDecay = 0.5,
        };
        var score = NewScore(topic);
        var peer = NewPeer();
        score.AddPeer(peer, null);
        score.Graft(peer, Topic, TimeSpan.Zero);
        score.ValidateMessage(Id(1), TimeSpan.Zero);
        score.DeliverMessage(peer, Id(1), Topic, TimeSpan.Zero);

        score.Decay(3 * Second);
        Assert.That(score.Score(peer, 3 * Second), Is.Zero, "not active before the activation window");
        score.Decay(6 * Second);
        // 1 delivery × 0.99² decay; deficit ≈ 3.0199, squared ≈ 9.12
        var expected = -Math.Pow(4 - 0.99 * 0.99, 2);
        Assert.That(score.Score(peer, 6 * Second), Is.EqualTo(expected).Within(1e-9));

        score.Prune(peer, Topic);
        Assert.That(score.Score(peer, 6 * Second), Is.EqualTo(expected).Within(1e-9), "P3b takes over the deficit at prune");
        score.Decay(7 * Second);
        Assert.That(score.Score(peer, 7 * Second), Is.EqualTo(expected * 0.5).Within(1e-9));
    }

    [Test]
    public void Near_first_duplicates_during_validation_count_for_P3()
    {
        var topic = new TopicScoreParams
        {
            TimeInMeshWeight = 0, FirstMessageDeliveriesWeight = 0, MeshMessageDeliveriesWeight = -1,
            MeshMessageDeliveriesThreshold = 0.5, MeshMessageDeliveriesCap = 2, MeshMessageDeliveriesActivation = Second,
            MeshMessageDeliveriesDecay = 0.9,
        };
        var score = NewScore(topic);
        var (first, second, late) = (NewPeer(), NewPeer(), NewPeer());
        foreach (var p in new[] { first, second, late })
        {
            score.AddPeer(p, null);
            score.Graft(p, Topic, TimeSpan.Zero);
        }
        score.ValidateMessage(Id(1), TimeSpan.Zero);
        score.DuplicateMessage(second, Id(1), Topic, TimeSpan.Zero); // while validating
        score.DeliverMessage(first, Id(1), Topic, TimeSpan.Zero);
        score.DuplicateMessage(late, Id(1), Topic, Second); // outside the 10 ms window
        score.Decay(2 * Second);
        Assert.That(score.Score(first, 2 * Second), Is.Zero);
        Assert.That(score.Score(second, 2 * Second), Is.Zero);
        Assert.That(score.Score(late, 2 * Second), Is.EqualTo(-0.25).Within(1e-9));
    }

    [Test]
    public void P4_invalid_messages_penalise_the_sender_and_duplicate_senders_squared()
    {
        var score = NewScore(new TopicScoreParams { TimeInMeshWeight = 0, InvalidMessageDeliveriesWeight = -2, InvalidMessageDeliveriesDecay = 0.5 });
        var (sender, echo) = (NewPeer(), NewPeer());
        score.AddPeer(sender, null);
        score.AddPeer(echo, null);
        for (var i = 0; i < 3; i++)
        {
            score.ValidateMessage(Id(i), TimeSpan.Zero);
            score.RejectMessage(sender, Id(i), Topic, RejectReason.ValidationFailed, TimeSpan.Zero);
        }
        score.DuplicateMessage(echo, Id(0), Topic, TimeSpan.Zero);
        Assert.That(score.Score(sender, TimeSpan.Zero), Is.EqualTo(-18).Within(1e-9));
        Assert.That(score.Score(echo, TimeSpan.Zero), Is.EqualTo(-2).Within(1e-9));
        score.Decay(Second);
        Assert.That(score.Score(sender, Second), Is.EqualTo(-2 * 1.5 * 1.5).Within(1e-9));
    }

    [Test]
    public void Ignored_and_throttled_messages_cost_nothing()
    {
        var score = NewScore();
        var peer = NewPeer();
        score.AddPeer(peer, null);
        score.ValidateMessage(Id(1), TimeSpan.Zero);
        score.RejectMessage(peer, Id(1), Topic, RejectReason.Ignored, TimeSpan.Zero);
        score.ValidateMessage(Id(2), TimeSpan.Zero);
        score.RejectMessage(peer, Id(2), Topic, RejectReason.Throttled, TimeSpan.Zero);
        Assert.That(score.Score(peer, TimeSpan.Zero), Is.Zero);
    }

    [Test]
    public void Topic_weight_and_topic_cap_apply_to_the_topic_sum()
    {
        var score = NewScore(new TopicScoreParams { TopicWeight = 2, TimeInMeshWeight = 1, TimeInMeshCap = 100 }, new PeerScoreParams { TopicScoreCap = 30 });
        var peer = NewPeer();
        score.AddPeer(peer, null);
        score.Graft(peer, Topic, TimeSpan.Zero);
        Assert.That(score.Score(peer, 10 * Second), Is.EqualTo(20).Within(1e-9));
        Assert.That(score.Score(peer, 50 * Second), Is.EqualTo(30).Within(1e-9));
    }

    [Test]
    public void P5_P6_and_P7_global_components()
    {
        var app = NewPeer();
        var score = NewScore(global: new PeerScoreParams
        {
            AppSpecificScore = p => p == app ? 3 : 0,
            AppSpecificWeight = 2,
            IPColocationFactorWeight = -1,
            IPColocationFactorThreshold = 2,
            BehaviourPenaltyWeight = -1,
            BehaviourPenaltyThreshold = 1,
            BehaviourPenaltyDecay = 0.5,
        });
        score.AddPeer(app, null);
        Assert.That(score.Score(app, TimeSpan.Zero), Is.EqualTo(6).Within(1e-9));

        var sybils = Enumerable.Range(0, 4).Select(_ => NewPeer()).ToList();
        foreach (var s in sybils) score.AddPeer(s, "10.0.0.1");
        Assert.That(score.Score(sybils[0], TimeSpan.Zero), Is.EqualTo(-4).Within(1e-9), "(4 - 2)² × -1");

        var naughty = NewPeer();
        score.AddPeer(naughty, null);
        score.AddPenalty(naughty, 1);
        Assert.That(score.Score(naughty, TimeSpan.Zero), Is.Zero, "at the threshold");
        score.AddPenalty(naughty, 3);
        Assert.That(score.Score(naughty, TimeSpan.Zero), Is.EqualTo(-9).Within(1e-9));
        score.Decay(Second);
        Assert.That(score.Score(naughty, Second), Is.EqualTo(-1).Within(1e-9), "4 × 0.5 = 2, (2 - 1)²");
    }

    [Test]
    public void By_default_many_peers_on_one_ip_lose_gossip_then_publishing_then_everything()
    {
        // Issue 13 item 6: P₆ used to be off (weight 0), so a thousand sybils on one address scored like honest peers.
        var defaults = new PeerScoreParams();
        var thresholds = new PeerScoreThresholds();
        Assert.That(defaults.IPColocationFactorWeight, Is.EqualTo(-5));
        Assert.That(defaults.IPColocationFactorThreshold, Is.EqualTo(10));
        var score = NewScore();
        var honest = NewPeer();
        score.AddPeer(honest, "198.51.100.1");
        var sybils = new List<PeerId>();
        double ScoreWith(int count)
        {
            while (sybils.Count < count)
            {
                var sybil = NewPeer();
                score.AddPeer(sybil, "203.0.113.66");
                sybils.Add(sybil);
            }
            return score.Score(sybils[0], TimeSpan.Zero);
        }

        Assert.That(ScoreWith(10), Is.Zero, "up to the threshold, sharing an IP costs nothing");
        Assert.That(ScoreWith(11), Is.EqualTo(-5).Within(1e-9));
        Assert.That(ScoreWith(12), Is.LessThan(thresholds.GossipThreshold));
        Assert.That(ScoreWith(14), Is.LessThan(thresholds.PublishThreshold));
        Assert.That(ScoreWith(15), Is.LessThan(thresholds.GraylistThreshold));
        Assert.That(score.Score(sybils[^1], TimeSpan.Zero), Is.EqualTo(score.Score(sybils[0], TimeSpan.Zero)), "every peer of the IP pays");
        Assert.That(score.Score(honest, TimeSpan.Zero), Is.Zero, "a peer on its own IP is untouched");

        var whitelisted = NewScore(global: new PeerScoreParams { IPColocationFactorWhitelist = new HashSet<string> { "203.0.113.66" } });
        foreach (var sybil in sybils) whitelisted.AddPeer(sybil, "203.0.113.66");
        Assert.That(whitelisted.Score(sybils[0], TimeSpan.Zero), Is.Zero);
    }

    [Test]
    public void Negative_scores_are_retained_after_disconnection_until_retain_score_expires()
    {
        var score = NewScore(global: new PeerScoreParams { RetainScore = 10 * Second, BehaviourPenaltyDecay = 0.99 });
        var peer = NewPeer();
        score.AddPeer(peer, null);
        score.AddPenalty(peer, 2);
        var penalised = score.Score(peer, TimeSpan.Zero);
        score.RemovePeer(peer, TimeSpan.Zero);
        score.AddPeer(peer, null);
        Assert.That(score.Score(peer, TimeSpan.Zero), Is.EqualTo(penalised), "reconnecting does not wash the score");

        score.RemovePeer(peer, TimeSpan.Zero);
        score.Decay(11 * Second);
        score.AddPeer(peer, null);
        Assert.That(score.Score(peer, 11 * Second), Is.Zero);
    }

    [Test]
    public void Graylisted_peers_are_ignored_and_recover_when_their_score_decays()
    {
        var h = new CoreHarness(new GossipsubOptions(), new PeerScoreParams { BehaviourPenaltyDecay = 0.5 });
        h.Core.Subscribe(Topic);
        var peer = h.AddSubscribedPeers(1)[0];
        h.Heartbeat();
        h.Receive(peer, Prune());
        h.Receive(peer, Graft()); // 2 penalty points: -40
        h.Receive(peer, Graft()); // 4 points: -160, graylisted
        Assert.That(h.Core.Score(peer), Is.LessThan(h.Core.Thresholds.GraylistThreshold));

        var author = PrivateKey.Generate(KeyType.Ed25519);
        h.Receive(peer, new RPC { Publish = { SignedMessage(author, "ignored", 1) } });
        Assert.That(h.Delivered, Is.Empty);
        Assert.That(h.Core.Counters.GraylistedRpcs, Is.EqualTo(1));

        h.Heartbeat(5);
        Assert.That(h.Core.Score(peer), Is.GreaterThan(h.Core.Thresholds.GraylistThreshold));
        h.Receive(peer, new RPC { Publish = { SignedMessage(author, "accepted", 2) } });
        Assert.That(h.Delivered, Has.Count.EqualTo(1));
    }

    [Test]
    public void Parameter_validation_rejects_values_the_spec_forbids()
    {
        Assert.Throws<ArgumentException>(() => new PeerScoreThresholds { GossipThreshold = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new PeerScoreThresholds { PublishThreshold = -5 }.Validate());
        Assert.Throws<ArgumentException>(() => new PeerScoreThresholds { GraylistThreshold = -50 }.Validate());
        Assert.Throws<ArgumentException>(() => new PeerScoreThresholds { AcceptPXThreshold = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new PeerScoreParams { BehaviourPenaltyWeight = 1 }.Validate());
        Assert.Throws<ArgumentException>(() => new PeerScoreParams { DefaultTopicParams = new TopicScoreParams { InvalidMessageDeliveriesWeight = 1 } }.Validate());
        Assert.Throws<ArgumentException>(() => new PeerScoreParams { DefaultTopicParams = new TopicScoreParams { MeshMessageDeliveriesWeight = -1, MeshMessageDeliveriesCap = 0.5 } }.Validate());
        Assert.Throws<ArgumentException>(() => new GossipsubOptions { DOut = 3, DLow = 3 }.Validate());
        Assert.Throws<ArgumentException>(() => new GossipsubOptions { DLow = 7 }.Validate());
        Assert.Throws<ArgumentException>(() => new GossipsubOptions { HistoryGossip = 6 }.Validate());
        Assert.DoesNotThrow(() => new GossipsubOptions().Validate());
        Assert.DoesNotThrow(() => new PeerScoreParams().Validate());
        Assert.DoesNotThrow(() => new PeerScoreThresholds().Validate());
    }
}
