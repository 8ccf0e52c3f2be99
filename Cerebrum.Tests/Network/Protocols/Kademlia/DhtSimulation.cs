using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Kademlia;

namespace Cerebrum.Tests.Network.Protocols.Kademlia;

/// <summary>
/// Many <see cref="KademliaCore"/>s in one process, joined by a simulated transport on a simulated clock: every request
/// and answer is encoded, takes a fixed one-way latency, and is decoded by the other side; a request to a peer that
/// left gets no answer and times out. Lookups run one at a time to completion, so a lookup's elapsed time divided by
/// the round-trip time is the number of round trips it needed. Everything derives from one seed.
/// </summary>
internal sealed class DhtSimulation
{
    public static readonly TimeSpan OneWay = TimeSpan.FromMilliseconds(20);
    public static readonly TimeSpan RoundTrip = OneWay * 2;

    private readonly Dictionary<PeerId, KademliaCore> _online = [];
    private readonly KademliaOptions _options;

    public DhtSimulation(int seed, KademliaOptions options)
    {
        Random = new Random(seed);
        _options = options;
    }

    public Random Random { get; }
    public DateTimeOffset Now { get; private set; } = new(2025, 6, 1, 0, 0, 0, TimeSpan.Zero);
    public List<KademliaCore> Nodes { get; } = [];
    public IEnumerable<KademliaCore> Online => _online.Values;
    public long MessagesDelivered { get; private set; }

    public bool IsOnline(PeerId peer) => _online.ContainsKey(peer);

    public void Advance(TimeSpan by) => Now += by;

    /// <summary>A new node that knows <paramref name="bootstrap"/>, joined as libp2p's bootstrap does: a lookup of its own ID, then one per bucket.</summary>
    public KademliaCore Join(KademliaCore? bootstrap)
    {
        var seed = new byte[32];
        Random.NextBytes(seed);
        using var key = Ed25519PrivateKey.FromBytes(seed);
        var node = new KademliaCore(key.PeerId, _options, _ => []);
        Nodes.Add(node);
        _online[node.Self] = node;
        if (bootstrap is not null)
        {
            node.AddServer(bootstrap.Self, Now);
            Refresh(node);
        }
        return node;
    }

    /// <summary>The routing table's upkeep (libp2p's periodic bootstrap): a lookup of our own ID, then one for a random key in each bucket due.</summary>
    public void Refresh(KademliaCore node)
    {
        Run(node, node.FindClosest(node.Self.Bytes));
        foreach (var bucket in node.Table.BucketsToRefresh(Now, _options.BucketRefreshInterval))
        {
            Run(node, node.FindClosest(node.Table.RandomKeyInBucket(bucket, Random)));
            node.Table.MarkRefreshed(bucket, Now);
        }
    }

    /// <summary>The node leaves without a word (a crash, a lost link): requests to it time out.</summary>
    public void Leave(KademliaCore node) => _online.Remove(node.Self);

    /// <summary>Publishes <paramref name="node"/>'s provider record for <paramref name="key"/> on the k closest peers it finds.</summary>
    public int Provide(KademliaCore node, byte[] key)
    {
        node.StartProviding(key);
        var published = 0;
        foreach (var due in node.ProvidesDue(Now))
        {
            var lookup = Run(node, node.FindClosest(due));
            var request = KademliaMessages.Encode(node.AddProviderRequest(due, [Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001")]));
            foreach (var peer in lookup.ClosestAnswered())
            {
                if (!_online.TryGetValue(peer, out var target))
                    continue;
                MessagesDelivered++;
                Assert.That(target.Handle(node.Self, request, Now), Is.Null, "ADD_PROVIDER has no answer");
                published++;
            }
        }
        return published;
    }

    /// <summary>Runs <paramref name="lookup"/> of <paramref name="node"/> to its end; returns it.</summary>
    public KademliaLookup Run(KademliaCore node, KademliaLookup lookup)
    {
        // Answers in flight, by arrival time (ties by send order, so runs are deterministic).
        var arrivals = new PriorityQueue<(PeerId Peer, KademliaMessage? Answer), (DateTimeOffset, long)>();
        long order = 0;
        var request = KademliaMessages.Encode(lookup.Request);
        while (true)
        {
            foreach (var peer in lookup.NextRequests(Now))
            {
                KademliaMessage? answer = null;
                if (_online.TryGetValue(peer, out var target))
                {
                    // The request arrives after one way; its answer is computed then and returns after another.
                    MessagesDelivered += 2;
                    var bytes = target.Handle(node.Self, request, Now + OneWay);
                    target.AddServer(node.Self, Now + OneWay); // every simulated peer serves the DHT
                    answer = KademliaMessages.Decode(bytes!, _options.MaxMessageSize, _options.MaxRecordValueSize);
                }
                arrivals.Enqueue((peer, answer), (answer is null ? Now + _options.RequestTimeout : Now + RoundTrip, order++));
            }
            if (lookup.IsFinished || !arrivals.TryDequeue(out var arrival, out var at))
                return lookup;
            Now = at.Item1 > Now ? at.Item1 : Now;
            if (arrival.Answer is { } received)
            {
                lookup.OnAnswer(arrival.Peer, received);
                node.AddServer(arrival.Peer, Now);
            }
            else
            {
                lookup.OnFailure(arrival.Peer);
                node.PeerFailed(arrival.Peer);
            }
        }
    }

    /// <summary>The k online peers truly closest to <paramref name="key"/>.</summary>
    public List<PeerId> TrueClosest(ReadOnlySpan<byte> key, int k)
    {
        var target = KademliaKey.ForBytes(key);
        return [.. _online.Keys.OrderBy(p => target.Xor(KademliaKey.ForPeer(p)), Comparer<KademliaKey>.Create((a, b) => a.CompareTo(b))).Take(k)];
    }
}
