using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;
using static Cerebrum.Tests.PubSub.CoreHarness;

namespace Cerebrum.Tests.PubSub;

public sealed class GossipTests
{
    private static RPC IHave(IEnumerable<byte[]> ids, string topic = Topic)
    {
        var ihave = new ControlIHave { TopicID = topic };
        foreach (var id in ids) ihave.MessageIDs.Add(ByteString.CopyFrom(id));
        return new RPC { Control = new ControlMessage { Ihave = { ihave } } };
    }

    private static RPC IWant(params MessageId[] ids)
    {
        var iwant = new ControlIWant();
        foreach (var id in ids) iwant.MessageIDs.Add(ByteString.CopyFrom(id.Bytes.Span));
        return new RPC { Control = new ControlMessage { Iwant = { iwant } } };
    }

    private static IEnumerable<byte[]> BogusIds(int count, int salt) =>
        Enumerable.Range(0, count).Select(i => BitConverter.GetBytes(((long)salt << 32) | (uint)i));

    [Test]
    public void Gossip_advertises_recent_messages_to_D_lazy_non_mesh_peers_for_mcache_gossip_heartbeats()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(20);
        h.Heartbeat();
        var mesh = h.Core.MeshPeers(Topic);
        var message = h.Core.Publish(Topic, "gossip me"u8.ToArray());
        h.Sent.Clear();

        h.Heartbeat();
        var ihaves = h.IHaves().ToList();
        // 14 non-mesh peers × 0.25 = 3 < D_lazy, so D_lazy = 6 peers get gossip.
        Assert.That(ihaves.Select(i => i.Peer).Distinct().Count(), Is.EqualTo(6));
        Assert.That(ihaves.Select(i => i.Peer), Has.None.Matches<PeerId>(mesh.Contains));
        Assert.That(ihaves.All(i => i.IHave.MessageIDs.Single().Span.SequenceEqual(message.Id.Bytes.Span)), Is.True);

        h.Heartbeat(2);
        Assert.That(h.IHaves().Count(), Is.EqualTo(18), "advertised in 3 heartbeats");
        h.Sent.Clear();
        h.Heartbeat();
        Assert.That(h.IHaves(), Is.Empty, "no longer in the gossip windows");
        Assert.That(peers, Has.Count.EqualTo(20));
    }

    [Test]
    public void Adaptive_gossip_reaches_a_quarter_of_many_peers()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        h.AddSubscribedPeers(66);
        h.Heartbeat();
        h.Core.Publish(Topic, "x"u8.ToArray());
        h.Sent.Clear();
        h.Heartbeat();
        // 60 non-mesh peers × 0.25 = 15 > D_lazy.
        Assert.That(h.IHaves().Select(i => i.Peer).Distinct().Count(), Is.EqualTo(15));
    }

    [Test]
    public void IHave_is_answered_with_IWANT_for_unseen_ids_only()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peer = h.AddSubscribedPeers(1)[0];
        var known = h.Core.Publish(Topic, "known"u8.ToArray());
        var unknown = new byte[] { 1, 2, 3 };
        h.Sent.Clear();
        h.Receive(peer, IHave([known.Id.ToArray(), unknown]));
        var iwant = h.IWants().Single();
        Assert.That(iwant.Peer, Is.EqualTo(peer));
        Assert.That(iwant.IWant.MessageIDs.Select(m => m.ToByteArray()), Is.EqualTo(new[] { unknown }));
    }

    [Test]
    public void IHave_from_topics_we_did_not_join_is_ignored()
    {
        var h = new CoreHarness();
        var peer = h.AddSubscribedPeers(1)[0];
        h.Receive(peer, IHave(BogusIds(5, 1)));
        Assert.That(h.IWants(), Is.Empty);
    }

    [Test]
    public void At_most_max_ihave_messages_are_processed_per_peer_per_heartbeat()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peer = h.AddSubscribedPeers(1)[0];
        for (var i = 0; i < 15; i++) h.Receive(peer, IHave(BogusIds(1, i)));
        Assert.That(h.IWants().Count(), Is.EqualTo(10));
        Assert.That(h.Core.Counters.IgnoredIHaves, Is.EqualTo(5));

        h.Heartbeat();
        h.Sent.Clear();
        h.Receive(peer, IHave(BogusIds(1, 99)));
        Assert.That(h.IWants().Count(), Is.EqualTo(1), "the counter resets at the heartbeat");
    }

    [Test]
    public void At_most_max_ihave_length_ids_are_requested_per_peer_per_heartbeat()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peer = h.AddSubscribedPeers(1)[0];
        h.Receive(peer, IHave(BogusIds(4000, 1)));
        h.Receive(peer, IHave(BogusIds(4000, 2)));
        h.Receive(peer, IHave(BogusIds(10, 3)));
        var requested = h.IWants().Sum(w => w.IWant.MessageIDs.Count);
        Assert.That(requested, Is.EqualTo(5000));
        Assert.That(h.IWants().Count(), Is.EqualTo(2), "the third IHAVE finds the budget exhausted");
    }

    [Test]
    public void Broken_IWANT_promises_are_penalised_after_the_followup_time()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var liar = h.AddSubscribedPeers(1)[0];
        h.Receive(liar, IHave(BogusIds(3, 1)));
        h.Receive(liar, IHave(BogusIds(3, 2)));
        Assert.That(h.Core.Score(liar), Is.GreaterThanOrEqualTo(0));

        h.Heartbeat(2);
        Assert.That(h.Core.Score(liar), Is.GreaterThanOrEqualTo(0), "still within the 3 s follow-up time");
        h.Heartbeat();
        Assert.That(h.Core.Counters.BrokenPromises, Is.EqualTo(2));
        Assert.That(h.Core.Score(liar), Is.LessThan(0));
    }

    [Test]
    public void Delivered_promises_are_not_penalised()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var honest = h.AddSubscribedPeers(1)[0];
        var author = PrivateKey.Generate(KeyType.Ed25519);
        var message = SignedMessage(author, "promised", 7);
        var id = MessageIds.FromAndSeqno(message);
        h.Receive(honest, IHave([id.ToArray()]));
        Assert.That(h.IWants().Count(), Is.EqualTo(1));
        h.Receive(honest, new RPC { Publish = { message } });
        h.Heartbeat(5);
        Assert.That(h.Core.Counters.BrokenPromises, Is.Zero);
        Assert.That(h.Core.Score(honest), Is.GreaterThanOrEqualTo(0));
    }

    [Test]
    public void IWANT_is_answered_from_the_mcache_at_most_gossip_retransmission_times()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peer = h.AddSubscribedPeers(1)[0];
        var message = h.Core.Publish(Topic, "wanted"u8.ToArray());
        h.Drain();
        h.Sent.Clear();
        for (var i = 0; i < 5; i++) h.Receive(peer, IWant(message.Id));
        Assert.That(h.Published().Count(), Is.EqualTo(3));
        Assert.That(h.Core.Counters.IWantRetransmissionsRefused, Is.EqualTo(2));

        // After mcache_len heartbeats the message is gone.
        var other = h.AddSubscribedPeers(1)[0];
        h.Heartbeat(5);
        h.Sent.Clear();
        h.Receive(other, IWant(message.Id));
        Assert.That(h.Published(), Is.Empty);
    }

    [Test]
    public void Large_messages_trigger_IDONTWANT_to_v1_2_mesh_peers_only()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var v12 = h.AddSubscribedPeers(3);
        var v11 = h.AddSubscribedPeers(3, version: GossipsubVersion.V1_1);
        h.Heartbeat();
        var author = PrivateKey.Generate(KeyType.Ed25519);
        h.Sent.Clear();

        h.Receive(v12[0], new RPC { Publish = { SignedMessage(author, new string('x', 2000), 1) } });
        var idontwantTo = h.Sent.Where(s => s.Rpc.Control?.Idontwant.Count > 0).Select(s => s.Peer).ToList();
        Assert.That(idontwantTo, Is.EquivalentTo(v12.Skip(1)));

        h.Sent.Clear();
        h.Receive(v12[0], new RPC { Publish = { SignedMessage(author, "small", 2) } });
        Assert.That(h.Sent.Where(s => s.Rpc.Control?.Idontwant.Count > 0), Is.Empty);
        Assert.That(v11, Has.Count.EqualTo(3));
    }

    [Test]
    public void Received_IDONTWANT_suppresses_forwarding_to_that_peer()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(3);
        h.Heartbeat();
        var author = PrivateKey.Generate(KeyType.Ed25519);
        var message = SignedMessage(author, "not for peer 2", 1);
        var idontwant = new ControlIDontWant { MessageIDs = { ByteString.CopyFrom(MessageIds.FromAndSeqno(message).Bytes.Span) } };
        h.Receive(peers[2], new RPC { Control = new ControlMessage { Idontwant = { idontwant } } });
        h.Sent.Clear();

        h.Receive(peers[0], new RPC { Publish = { message } });
        Assert.That(h.Published().Select(p => p.Peer), Is.EquivalentTo(new[] { peers[1] }));
    }

    [Test]
    public void No_gossip_to_or_from_peers_below_the_gossip_threshold()
    {
        var shady = new HashSet<PeerId>();
        var h = new CoreHarness(scoreParams: new PeerScoreParams { AppSpecificScore = p => shady.Contains(p) ? -20 : 0 });
        h.Core.Subscribe(Topic);
        var peers = h.AddSubscribedPeers(7);
        h.Heartbeat();
        var outsider = peers.Single(p => !h.Core.MeshPeers(Topic).Contains(p));
        shady.Add(outsider);

        h.Core.Publish(Topic, "x"u8.ToArray());
        h.Sent.Clear();
        h.Heartbeat();
        Assert.That(h.IHaves().Select(i => i.Peer), Has.No.Member(outsider));

        h.Receive(outsider, IHave(BogusIds(3, 1)));
        Assert.That(h.IWants(), Is.Empty);
    }

    [Test]
    public void At_most_max_idontwant_ids_are_remembered_per_peer_per_heartbeat()
    {
        var h = new CoreHarness(new GossipsubOptions { MaxIDontWantMessages = 10 });
        h.Core.Subscribe(Topic);
        var peer = h.AddSubscribedPeers(1)[0];
        var idontwant = new ControlIDontWant();
        foreach (var id in BogusIds(15, 1)) idontwant.MessageIDs.Add(ByteString.CopyFrom(id));
        h.Receive(peer, new RPC { Control = new ControlMessage { Idontwant = { idontwant } } });
        Assert.That(h.Core.Counters.IgnoredIDontWants, Is.EqualTo(1), "the 11th id ends processing of the batch");
    }

    [Test]
    public void Rpcs_from_unknown_peers_are_ignored()
    {
        var h = new CoreHarness();
        h.Core.Subscribe(Topic);
        var stranger = NewPeer();
        h.Receive(stranger, new RPC { Publish = { SignedMessage(PrivateKey.Generate(KeyType.Ed25519), "who?", 1) } });
        h.Receive(stranger, IHave(BogusIds(3, 1)));
        Assert.That(h.Delivered, Is.Empty);
        Assert.That(h.Sent, Is.Empty);
        Assert.That(h.Core.TopicPeers(Topic), Is.Empty);
    }
}
