using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.PubSub;

/// <summary>One core under test with scripted neighbours: the test injects their RPCs and inspects what the core sends.</summary>
public sealed class CoreHarness
{
    public const string Topic = "test-topic";

    public ManualTimeProvider Clock { get; } = new();
    public PrivateKey Key { get; }
    public GossipsubCore Core { get; }
    public List<(PeerId Peer, RPC Rpc)> Sent { get; } = [];
    public List<PubSubMessage> Delivered { get; } = [];

    public CoreHarness(GossipsubOptions? options = null, PeerScoreParams? scoreParams = null, PeerScoreThresholds? thresholds = null, int seed = 1)
    {
        Key = PrivateKey.Generate(KeyType.Ed25519);
        Core = new GossipsubCore(Key, options ?? new GossipsubOptions(), scoreParams ?? new PeerScoreParams(),
            thresholds ?? new PeerScoreThresholds(), Clock, new Random(seed));
    }

    public static PeerId NewPeer() => PrivateKey.Generate(KeyType.Ed25519).PeerId;

    /// <summary>Adds <paramref name="count"/> peers subscribed to <paramref name="topic"/>.</summary>
    public List<PeerId> AddSubscribedPeers(int count, string topic = Topic, bool outbound = false,
        GossipsubVersion version = GossipsubVersion.V1_2)
    {
        var peers = new List<PeerId>();
        for (var i = 0; i < count; i++)
        {
            var peer = NewPeer();
            Core.AddPeer(peer, version, outbound);
            Receive(peer, new RPC { Subscriptions = { new SubOpts { Subscribe = true, Topicid = topic } } });
            peers.Add(peer);
        }
        Drain();
        return peers;
    }

    public void Receive(PeerId from, RPC rpc)
    {
        Core.HandleRpc(from, RPC.Parser.ParseFrom(rpc.ToByteArray()));
        Drain();
    }

    public void Heartbeat(int count = 1)
    {
        for (var i = 0; i < count; i++)
        {
            Clock.Advance(Core.Options.HeartbeatInterval);
            Core.Heartbeat();
            Drain();
        }
    }

    public void Drain()
    {
        Sent.AddRange(Core.TakeOutbox());
        Delivered.AddRange(Core.TakeDeliveries());
    }

    public IEnumerable<ControlMessage> ControlsTo(PeerId peer) =>
        Sent.Where(s => s.Peer == peer && s.Rpc.Control is not null).Select(s => s.Rpc.Control);

    public IEnumerable<(PeerId Peer, ControlGraft Graft)> Grafts() =>
        Sent.Where(s => s.Rpc.Control is not null).SelectMany(s => s.Rpc.Control.Graft.Select(g => (s.Peer, g)));

    public IEnumerable<(PeerId Peer, ControlPrune Prune)> Prunes() =>
        Sent.Where(s => s.Rpc.Control is not null).SelectMany(s => s.Rpc.Control.Prune.Select(p => (s.Peer, p)));

    public IEnumerable<(PeerId Peer, ControlIHave IHave)> IHaves() =>
        Sent.Where(s => s.Rpc.Control is not null).SelectMany(s => s.Rpc.Control.Ihave.Select(p => (s.Peer, p)));

    public IEnumerable<(PeerId Peer, ControlIWant IWant)> IWants() =>
        Sent.Where(s => s.Rpc.Control is not null).SelectMany(s => s.Rpc.Control.Iwant.Select(p => (s.Peer, p)));

    public IEnumerable<(PeerId Peer, Message Message)> Published() =>
        Sent.SelectMany(s => s.Rpc.Publish.Select(m => (s.Peer, m)));

    public static RPC Graft(string topic = Topic) => new() { Control = new ControlMessage { Graft = { new ControlGraft { TopicID = topic } } } };

    public static RPC Prune(string topic = Topic, ulong? backoffSeconds = null, IEnumerable<PeerId>? px = null)
    {
        var prune = new ControlPrune { TopicID = topic };
        if (backoffSeconds is { } b) prune.Backoff = b;
        foreach (var p in px ?? []) prune.Peers.Add(new PeerInfo { PeerID = ByteString.CopyFrom(p.Bytes.Span) });
        return new RPC { Control = new ControlMessage { Prune = { prune } } };
    }

    /// <summary>A correctly signed message authored by <paramref name="author"/>.</summary>
    public static Message SignedMessage(PrivateKey author, string data, ulong seqno, string topic = Topic) =>
        MessageSigning.Create(topic, System.Text.Encoding.UTF8.GetBytes(data), SignaturePolicy.StrictSign, author, seqno);
}
