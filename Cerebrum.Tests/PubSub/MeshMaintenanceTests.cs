using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using static Cerebrum.Tests.PubSub.CoreHarness;

namespace Cerebrum.Tests.PubSub;

public sealed class MeshMaintenanceTests
{
    [Test]
    public void Subscribing_grafts_D_of_the_topic_peers()
    {
        var h = new CoreHarness();
        var peers = h.AddSubscribedPeers(20);
        h.Core.Subscribe(Topic);
        h.Drain();

        var mesh = h.Core.MeshPeers(Topic);
        Assert.That(mesh, Has.Count.EqualTo(6));
        Assert.That(h.Grafts().Select(g => g.Peer), Is.EquivalentTo(mesh));
        Assert.That(mesh, Is.SubsetOf(peers));
    }

    [Test]
    public void Heartbeat_grafts_up_to_D_when_below_D_lo()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        h.AddSubscribedPeers(3);
        h.Heartbeat();
        Assert.That(h.Core.MeshPeers(Topic), Has.Count.EqualTo(3));

        h.AddSubscribedPeers(10);
        h.Heartbeat();
        Assert.That(h.Core.MeshPeers(Topic), Has.Count.EqualTo(6));

        // Within [D_lo, D_hi] the mesh is left alone.
        h.Sent.Clear();
        h.Heartbeat();
        Assert.That(h.Grafts(), Is.Empty);
        Assert.That(h.Prunes(), Is.Empty);
    }

    [Test]
    public void Heartbeat_prunes_an_oversubscribed_mesh_to_D_keeping_the_outbound_quota()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        // Outbound peers are accepted even beyond D_hi, so 14 outbound grafts and 2 inbound push the mesh over D_hi.
        var inbound = h.AddSubscribedPeers(2);
        var outbound = h.AddSubscribedPeers(14, outbound: true);
        h.Heartbeat(); // initial fill with random peers
        foreach (var p in inbound.Concat(outbound)) h.Receive(p, Graft());
        Assert.That(h.Core.MeshPeers(Topic), Has.Count.GreaterThan(12));

        h.Sent.Clear();
        h.Heartbeat();
        var mesh = h.Core.MeshPeers(Topic);
        Assert.That(mesh, Has.Count.EqualTo(6));
        Assert.That(mesh.Count(outbound.Contains), Is.GreaterThanOrEqualTo(2));
        var prunes = h.Prunes().ToList();
        Assert.That(prunes, Has.Count.EqualTo(10));
        Assert.That(prunes.Select(p => p.Peer), Has.No.Member(mesh.First()));
        Assert.That(prunes.All(p => p.Prune.Backoff == 60), Is.True, "PRUNE carries the 1 minute backoff");
        Assert.That(prunes.All(p => p.Prune.Peers.Count > 0), Is.True, "oversubscription prunes carry PX");
    }

    [Test]
    public void Oversubscription_pruning_keeps_the_best_scoring_peers()
    {
        var favourites = new HashSet<PeerId>();
        var h = new CoreHarness(scoreParams: new PeerScoreParams { AppSpecificScore = p => favourites.Contains(p) ? 5 : 0 });
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(16, outbound: true);
        foreach (var p in peers.Take(4)) favourites.Add(p);
        foreach (var p in peers) h.Receive(p, Graft());
        h.Heartbeat();
        Assert.That(h.Core.MeshPeers(Topic), Is.SupersetOf(favourites));
    }

    [Test]
    public void Mesh_full_at_D_hi_prunes_inbound_grafts_with_peer_exchange()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(13);
        foreach (var p in peers.Take(12)) h.Receive(p, Graft());
        Assert.That(h.Core.MeshPeers(Topic), Has.Count.EqualTo(12));

        h.Sent.Clear();
        h.Receive(peers[12], Graft());
        Assert.That(h.Core.MeshPeers(Topic), Has.No.Member(peers[12]));
        var prune = h.Prunes().Single();
        Assert.That(prune.Peer, Is.EqualTo(peers[12]));
        Assert.That(prune.Prune.Peers, Is.Not.Empty);
    }

    [Test]
    public void Peer_exchange_offers_each_candidates_signed_record_when_one_is_known()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(13);
        var known = peers.Take(12).ToHashSet();
        h.Core.SignedPeerRecords = peer => known.Contains(peer) ? new byte[] { 0x0a, (byte)(peer.GetHashCode() & 0x7f) } : default;
        foreach (var p in peers.Take(12)) h.Receive(p, Graft());

        h.Sent.Clear();
        h.Receive(peers[12], Graft());

        var offered = h.Prunes().Single().Prune.Peers;
        Assert.That(offered, Is.Not.Empty);
        foreach (var info in offered)
        {
            var peer = Cerebrum.Core.Crypto.PeerId.FromBytes(info.PeerID.Span);
            Assert.That(info.SignedPeerRecord.ToByteArray(), Is.EqualTo(new byte[] { 0x0a, (byte)(peer.GetHashCode() & 0x7f) }), "each candidate with its own record");
        }
    }

    [Test]
    public void Graft_for_an_unjoined_topic_is_ignored_without_answer()
    {
        var h = new CoreHarness();
        var peer = h.AddSubscribedPeers(1)[0];
        h.Receive(peer, Graft("other"));
        Assert.That(h.Sent.Where(s => s.Rpc.Control is not null), Is.Empty);
    }

    [Test]
    public void Received_prune_removes_the_peer_and_its_backoff_is_honoured_before_regrafting()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(5);
        h.Heartbeat();
        Assert.That(h.Core.MeshPeers(Topic), Is.EquivalentTo(peers));

        h.Receive(peers[0], Prune(backoffSeconds: 30));
        Assert.That(h.Core.MeshPeers(Topic), Has.No.Member(peers[0]));
        Assert.That(h.Core.IsBackedOff(Topic, peers[0]), Is.True);

        h.Heartbeat(29);
        Assert.That(h.Core.MeshPeers(Topic), Has.No.Member(peers[0]), "no regraft within the backoff");
        h.Heartbeat(3);
        Assert.That(h.Core.MeshPeers(Topic), Has.Member(peers[0]), "regrafted once the backoff (plus slack) passed");
    }

    [Test]
    public void Graft_during_unsubscribe_backoff_is_pruned_and_penalised_once()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peer = h.AddSubscribedPeers(1)[0];
        h.Receive(peer, Graft());
        h.Core.Unsubscribe(Topic);
        h.Core.Subscribe(Topic);
        h.Drain();
        Assert.That(h.Core.IsBackedOff(Topic, peer), Is.True, "unsubscribing backs off from former mesh peers");
        Assert.That(h.Core.MeshPeers(Topic), Is.Empty);

        h.Sent.Clear();
        h.Receive(peer, Graft());
        Assert.That(h.Core.MeshPeers(Topic), Is.Empty);
        Assert.That(h.Prunes().Single().Peer, Is.EqualTo(peer));
        Assert.That(h.Core.Counters.GraftsDuringBackoff, Is.EqualTo(1));
        Assert.That(h.Core.Score(peer), Is.EqualTo(-10).Within(1e-9), "P7 = 1² × -10");
    }

    [Test]
    public void Graft_flooding_right_after_our_prune_is_penalised_twice()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(13);
        foreach (var p in peers) h.Receive(p, Graft()); // the 13th is pruned: mesh full
        var pruned = peers[12];
        Assert.That(h.Core.IsBackedOff(Topic, pruned), Is.True);

        h.Clock.Advance(TimeSpan.FromSeconds(5));
        h.Receive(pruned, Graft());
        Assert.That(h.Core.Score(pruned), Is.EqualTo(-40).Within(1e-9), "P7 = 2² × -10 within the graft flood threshold");

        h.Clock.Advance(TimeSpan.FromSeconds(20));
        var before = h.Core.Counters.GraftsDuringBackoff;
        h.Receive(pruned, Graft());
        Assert.That(h.Core.Counters.GraftsDuringBackoff, Is.EqualTo(before + 1));
        Assert.That(h.Core.Score(pruned), Is.EqualTo(-90).Within(1e-9), "one more point only, outside the flood threshold");
    }

    [Test]
    public void Unsubscribe_prunes_the_mesh_with_the_unsubscribe_backoff()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        h.AddSubscribedPeers(4);
        h.Heartbeat();
        h.Sent.Clear();
        h.Core.Unsubscribe(Topic);
        h.Drain();
        var prunes = h.Prunes().ToList();
        Assert.That(prunes, Has.Count.EqualTo(4));
        Assert.That(prunes.All(p => p.Prune.Backoff == 10), Is.True);
        Assert.That(h.Sent.SelectMany(s => s.Rpc.Subscriptions).All(s => !s.Subscribe), Is.True);
    }

    [Test]
    public void Negative_scoring_peers_are_pruned_at_the_heartbeat_without_peer_exchange()
    {
        var bad = new HashSet<PeerId>();
        var h = new CoreHarness(scoreParams: new PeerScoreParams { AppSpecificScore = p => bad.Contains(p) ? -1 : 0 });
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(6);
        h.Heartbeat();
        bad.Add(peers[0]);
        h.Sent.Clear();
        h.Heartbeat();
        Assert.That(h.Core.MeshPeers(Topic), Has.No.Member(peers[0]));
        var prune = h.Prunes().Single(p => p.Peer == peers[0]);
        Assert.That(prune.Prune.Peers, Is.Empty);
    }

    [Test]
    public void Prune_to_a_v1_0_peer_carries_neither_backoff_nor_peers()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var old = h.AddSubscribedPeers(1, version: GossipsubVersion.V1_0)[0];
        h.AddSubscribedPeers(3);
        h.Receive(old, Graft());
        h.Sent.Clear();
        h.Core.Unsubscribe(Topic);
        h.Drain();
        var prune = h.Prunes().Single(p => p.Peer == old).Prune;
        Assert.That(prune.HasBackoff, Is.False);
        Assert.That(prune.Peers, Is.Empty);
    }

    [Test]
    public void Peer_exchange_is_accepted_only_from_peers_above_the_accept_px_threshold()
    {
        var trusted = new HashSet<PeerId>();
        var h = new CoreHarness(scoreParams: new PeerScoreParams { AppSpecificScore = p => trusted.Contains(p) ? 20 : 0 });
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(2);
        trusted.Add(peers[0]);
        var offered = Enumerable.Range(0, 3).Select(_ => NewPeer()).ToList();

        h.Receive(peers[1], Prune(backoffSeconds: 60, px: offered));
        Assert.That(h.Core.TakePeerExchange(), Is.Empty, "score 0 is below the accept-PX threshold of 10");

        h.Receive(peers[0], Prune(backoffSeconds: 60, px: offered));
        var candidates = h.Core.TakePeerExchange();
        Assert.That(candidates.Select(c => c.Peer), Is.EquivalentTo(offered));
        Assert.That(candidates.All(c => c.Topic == Topic), Is.True);
    }

    [Test]
    public void Fanout_is_used_for_unsubscribed_topics_and_expires_after_the_ttl()
    {
        var h = new CoreHarness(new GossipsubOptions { FloodPublish = false });
        var peers = h.AddSubscribedPeers(10);
        h.Core.Publish(Topic, "hello"u8.ToArray());
        h.Drain();
        var fanout = h.Core.FanoutPeers(Topic);
        Assert.That(fanout, Has.Count.EqualTo(6));
        Assert.That(h.Published().Select(p => p.Peer), Is.EquivalentTo(fanout));

        h.Heartbeat(59);
        Assert.That(h.Core.FanoutPeers(Topic), Has.Count.EqualTo(6));
        h.Heartbeat(2);
        Assert.That(h.Core.FanoutPeers(Topic), Is.Empty, "fanout forgotten 60 s after the last publish");
        Assert.That(peers, Is.Not.Empty);
    }

    [Test]
    public void Joining_a_topic_reuses_its_fanout_peers()
    {
        var h = new CoreHarness(new GossipsubOptions { FloodPublish = false });
        h.AddSubscribedPeers(20);
        h.Core.Publish(Topic, "x"u8.ToArray());
        var fanout = h.Core.FanoutPeers(Topic);
        h.Core.Subscribe(Topic);
        Assert.That(h.Core.MeshPeers(Topic), Is.EquivalentTo(fanout));
        Assert.That(h.Core.FanoutPeers(Topic), Is.Empty);
    }

    [Test]
    public void Flood_publish_sends_own_messages_to_all_topic_peers_above_the_publish_threshold()
    {
        var shunned = new HashSet<PeerId>();
        var h = new CoreHarness(scoreParams: new PeerScoreParams { AppSpecificScore = p => shunned.Contains(p) ? -60 : 0 });
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(20);
        shunned.Add(peers[0]);
        h.Sent.Clear();
        h.Core.Publish(Topic, "flood"u8.ToArray());
        h.Drain();
        Assert.That(h.Published().Select(p => p.Peer), Is.EquivalentTo(peers.Skip(1)));
    }

    [Test]
    public void Direct_peers_receive_every_message_and_their_grafts_are_refused()
    {
        var direct = NewPeer();
        var h = new CoreHarness(new GossipsubOptions { DirectPeers = new HashSet<PeerId> { direct }, FloodPublish = false });
        h.Core.Subscribe(Topic);
        h.Core.AddPeer(direct, GossipsubVersion.V1_2, outbound: true);
        h.Receive(direct, new Cerebrum.Core.PubSub.Proto.RPC { Subscriptions = { new Cerebrum.Core.PubSub.Proto.SubOpts { Subscribe = true, Topicid = Topic } } });
        h.AddSubscribedPeers(8);
        h.Heartbeat();
        Assert.That(h.Core.MeshPeers(Topic), Has.No.Member(direct));

        h.Sent.Clear();
        h.Core.Publish(Topic, "to direct"u8.ToArray());
        h.Drain();
        Assert.That(h.Published().Select(p => p.Peer), Has.Member(direct));

        h.Sent.Clear();
        h.Receive(direct, Graft());
        Assert.That(h.Prunes().Single().Peer, Is.EqualTo(direct));
        Assert.That(h.Core.MeshPeers(Topic), Has.No.Member(direct));
    }

    [Test]
    public void Opportunistic_grafting_adds_better_peers_when_the_mesh_median_is_low()
    {
        var good = new HashSet<PeerId>();
        var options = new GossipsubOptions { OpportunisticGraftTicks = 5 };
        var h = new CoreHarness(options, new PeerScoreParams { AppSpecificScore = p => good.Contains(p) ? 10 : 0 });
        h.Core.Subscribe(Topic);
        var meshPeers = h.AddSubscribedPeers(6);
        h.Heartbeat();
        Assert.That(h.Core.MeshPeers(Topic), Is.EquivalentTo(meshPeers));
        var better = h.AddSubscribedPeers(4);
        foreach (var p in better) good.Add(p);

        h.Heartbeat(4); // tick 5 is the opportunistic round
        var mesh = h.Core.MeshPeers(Topic);
        Assert.That(mesh.Count(better.Contains), Is.EqualTo(2));
        Assert.That(mesh, Has.Count.EqualTo(8));
    }

    [Test]
    public void Messages_are_forwarded_to_mesh_peers_except_the_sender_and_author()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(6);
        h.Heartbeat();
        var author = PrivateKey.Generate(KeyType.Ed25519);
        h.Core.AddPeer(author.PeerId, GossipsubVersion.V1_2, outbound: false);
        h.Sent.Clear();

        h.Receive(peers[0], new Cerebrum.Core.PubSub.Proto.RPC { Publish = { SignedMessage(author, "relay me", 1) } });
        Assert.That(h.Delivered, Has.Count.EqualTo(1));
        Assert.That(h.Delivered[0].From, Is.EqualTo(author.PeerId));
        Assert.That(h.Published().Select(p => p.Peer), Is.EquivalentTo(peers.Skip(1)));

        // A duplicate is neither delivered nor forwarded again.
        h.Sent.Clear();
        h.Receive(peers[1], new Cerebrum.Core.PubSub.Proto.RPC { Publish = { SignedMessage(author, "relay me", 1) } });
        Assert.That(h.Delivered, Has.Count.EqualTo(1));
        Assert.That(h.Published(), Is.Empty);
        Assert.That(h.Core.Counters.DuplicateMessages, Is.EqualTo(1));
    }

    [Test]
    public void Outgoing_batches_are_split_to_respect_the_rpc_size_cap()
    {
        var h = new CoreHarness(new GossipsubOptions { MaxRpcSize = 4096 });
        var peer = h.AddSubscribedPeers(1)[0];
        for (var i = 0; i < 10; i++) h.Core.Publish(Topic, new byte[1000 + i]);
        var rpcs = h.Core.TakeOutbox().Where(o => o.Peer == peer).Select(o => o.Rpc).ToList();
        Assert.That(rpcs.Sum(r => r.Publish.Count), Is.EqualTo(10));
        Assert.That(rpcs, Has.Count.GreaterThan(1));
        Assert.That(rpcs.All(r => Google.Protobuf.MessageExtensions.ToByteArray(r).Length <= 4096), Is.True);
    }

    [Test]
    public void A_throttled_message_can_be_accepted_from_a_later_copy()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        h.Core.SetValidationRequired(Topic, true);
        var (first, second) = (h.AddSubscribedPeers(1)[0], h.AddSubscribedPeers(1)[0]);
        var message = SignedMessage(PrivateKey.Generate(KeyType.Ed25519), "retry", 1);
        h.Receive(first, new Cerebrum.Core.PubSub.Proto.RPC { Publish = { message } });
        var pending = h.Core.TakeValidationRequests().Single();
        h.Core.ThrottleValidation(pending.Id);

        h.Receive(second, new Cerebrum.Core.PubSub.Proto.RPC { Publish = { message } });
        var retry = h.Core.TakeValidationRequests().Single();
        Assert.That(retry.ReceivedFrom, Is.EqualTo(second));
        h.Core.CompleteValidation(retry.Id, ValidationResult.Accept);
        h.Drain();
        Assert.That(h.Delivered.Single().Id, Is.EqualTo(pending.Id));
        Assert.That(h.Core.Score(first), Is.GreaterThanOrEqualTo(0));
    }

    [Test]
    public void Subscriptions_beyond_the_per_peer_topic_cap_are_ignored_and_unsubscribing_frees_them()
    {
        var h = new CoreHarness(new GossipsubOptions { MaxTopicsPerPeer = 3 });
        var peer = h.AddSubscribedPeers(1, "t0")[0];
        var rpc = new Cerebrum.Core.PubSub.Proto.RPC();
        for (var i = 1; i < 6; i++) rpc.Subscriptions.Add(new Cerebrum.Core.PubSub.Proto.SubOpts { Subscribe = true, Topicid = $"t{i}" });
        h.Receive(peer, rpc);
        Assert.That(Enumerable.Range(0, 6).Count(i => h.Core.TopicPeers($"t{i}").Count == 1), Is.EqualTo(3));
        Assert.That(h.Core.Counters.IgnoredSubscriptions, Is.EqualTo(3));

        h.Receive(peer, new Cerebrum.Core.PubSub.Proto.RPC { Subscriptions = { new Cerebrum.Core.PubSub.Proto.SubOpts { Subscribe = false, Topicid = "t0" } } });
        h.Receive(peer, new Cerebrum.Core.PubSub.Proto.RPC { Subscriptions = { new Cerebrum.Core.PubSub.Proto.SubOpts { Subscribe = true, Topicid = "t5" } } });
        Assert.That(h.Core.TopicPeers("t0"), Is.Empty);
        Assert.That(h.Core.TopicPeers("t5"), Has.Count.EqualTo(1));
    }
}
