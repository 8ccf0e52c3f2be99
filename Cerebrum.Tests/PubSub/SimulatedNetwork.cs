using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub;
using Cerebrum.Core.PubSub.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.PubSub;

/// <summary>A node of <see cref="SimulatedNetwork"/>: a router core, or a scripted peer (no core) that only records what it receives.</summary>
public sealed class SimNode
{
    internal SimNode(PrivateKey key, GossipsubCore? core, Func<PubSubMessage, ValidationResult>? validator)
    {
        Key = key;
        Core = core;
        Validator = validator;
    }

    public PrivateKey Key { get; }
    public PeerId Id => Key.PeerId;
    public GossipsubCore? Core { get; }
    public Func<PubSubMessage, ValidationResult>? Validator { get; }
    public List<PubSubMessage> Delivered { get; } = [];
    public List<(PeerId From, RPC Rpc)> Inbox { get; } = [];
    public HashSet<SimNode> Links { get; } = [];
}

/// <summary>
/// Many router cores in one process joined by in-memory links: RPCs are serialised, queued and delivered in FIFO order,
/// all cores share one fake clock, and all randomness derives from one seed, so runs are reproducible.
/// </summary>
public sealed class SimulatedNetwork
{
    private readonly Queue<(SimNode From, SimNode To, byte[] Bytes)> _wire = new();
    private readonly Random _random;

    public SimulatedNetwork(int seed) => _random = new Random(seed);

    public ManualTimeProvider Clock { get; } = new();
    public List<SimNode> Nodes { get; } = [];
    public Random Random => _random;
    public long RpcsDelivered { get; private set; }

    /// <summary>Copies of each message received by router nodes, keyed by message id.</summary>
    public Dictionary<MessageId, int> CopiesReceived { get; } = [];

    public Func<Message, MessageId> IdOf { get; set; } = MessageIds.FromAndSeqno;

    public SimNode AddRouter(GossipsubOptions? options = null, PeerScoreParams? scoreParams = null,
        PeerScoreThresholds? thresholds = null, Func<PubSubMessage, ValidationResult>? validator = null)
    {
        var key = NewKey();
        var core = new GossipsubCore(key, options ?? new GossipsubOptions(), scoreParams ?? new PeerScoreParams(),
            thresholds ?? new PeerScoreThresholds(), Clock, new Random(_random.Next()));
        var node = new SimNode(key, core, validator);
        Nodes.Add(node);
        return node;
    }

    /// <summary>A peer without a router: tests script what it sends.</summary>
    public SimNode AddScripted()
    {
        var node = new SimNode(NewKey(), null, null);
        Nodes.Add(node);
        return node;
    }

    /// <summary>Identities derive from the seed too, so peer ids (and everything ordered by them) repeat run to run.</summary>
    private PrivateKey NewKey()
    {
        var seed = new byte[32];
        _random.NextBytes(seed);
        return Ed25519PrivateKey.FromBytes(seed);
    }

    public void Connect(SimNode dialer, SimNode listener, GossipsubVersion version = GossipsubVersion.V1_2)
    {
        if (dialer == listener || !dialer.Links.Add(listener)) return;
        listener.Links.Add(dialer);
        dialer.Core?.AddPeer(listener.Id, version, outbound: true);
        listener.Core?.AddPeer(dialer.Id, version, outbound: false);
        Collect(dialer);
        Collect(listener);
    }

    /// <summary>Each of <paramref name="nodes"/> dials <paramref name="degree"/> random others.</summary>
    public void ConnectRandomly(IReadOnlyList<SimNode> nodes, int degree)
    {
        foreach (var node in nodes)
            for (var dialed = 0; dialed < degree;)
            {
                var other = nodes[_random.Next(nodes.Count)];
                if (other == node || node.Links.Contains(other)) continue;
                Connect(node, other);
                dialed++;
            }
    }

    public void Send(SimNode from, SimNode to, RPC rpc)
    {
        _wire.Enqueue((from, to, rpc.ToByteArray()));
    }

    public PubSubMessage Publish(SimNode node, string topic, byte[] data)
    {
        var message = node.Core!.Publish(topic, data);
        Collect(node);
        return message;
    }

    public void Subscribe(SimNode node, string topic)
    {
        node.Core!.SetValidationRequired(topic, node.Validator is not null);
        node.Core.Subscribe(topic);
        Collect(node);
    }

    /// <summary>Delivers queued RPCs (and everything they cause) until the network is quiet.</summary>
    public void Flush()
    {
        while (_wire.TryDequeue(out var item))
        {
            var (from, to, bytes) = item;
            if (!to.Links.Contains(from)) continue;
            RpcsDelivered++;
            var rpc = RPC.Parser.ParseFrom(bytes);
            if (to.Core is null)
            {
                to.Inbox.Add((from.Id, rpc));
                continue;
            }
            foreach (var message in rpc.Publish)
            {
                var id = IdOf(message);
                CopiesReceived[id] = CopiesReceived.GetValueOrDefault(id) + 1;
            }
            to.Core.HandleRpc(from.Id, rpc);
            Collect(to);
        }
    }

    /// <summary>Advances the clock one heartbeat interval, runs every router's heartbeat, and flushes.</summary>
    public void Heartbeat(int count = 1)
    {
        for (var i = 0; i < count; i++)
        {
            Clock.Advance(TimeSpan.FromSeconds(1));
            foreach (var node in Nodes)
            {
                if (node.Core is null) continue;
                node.Core.Heartbeat();
                Collect(node);
            }
            Flush();
        }
    }

    private void Collect(SimNode node)
    {
        var core = node.Core;
        if (core is null) return;
        while (true)
        {
            var requests = core.TakeValidationRequests();
            if (requests.Count == 0) break;
            foreach (var request in requests)
                core.CompleteValidation(request.Id, node.Validator?.Invoke(request) ?? ValidationResult.Accept);
        }
        node.Delivered.AddRange(core.TakeDeliveries());
        foreach (var (peer, rpc) in core.TakeOutbox())
        {
            var to = node.Links.FirstOrDefault(l => l.Id == peer);
            if (to is not null) _wire.Enqueue((node, to, rpc.ToByteArray()));
        }
    }

    public static RPC SubscribeRpc(string topic) => new() { Subscriptions = { new SubOpts { Subscribe = true, Topicid = topic } } };

    public static RPC IHaveRpc(string topic, IEnumerable<byte[]> ids)
    {
        var ihave = new ControlIHave { TopicID = topic };
        foreach (var id in ids) ihave.MessageIDs.Add(ByteString.CopyFrom(id));
        return new RPC { Control = new ControlMessage { Ihave = { ihave } } };
    }
}
