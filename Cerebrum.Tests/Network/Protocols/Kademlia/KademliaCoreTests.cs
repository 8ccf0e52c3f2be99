using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Protocols.Kademlia;

namespace Cerebrum.Tests.Network.Protocols.Kademlia;

/// <summary>The DHT's pieces: distance, k-buckets, provider and value records with their bounds, and answers to requests.</summary>
[TestFixture]
public sealed class KademliaCoreTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Model = ModelProviderKey.For("sha256:" + new string('a', 64));
    private readonly List<PrivateKey> _keys = [];

    [TearDown]
    public void DisposeKeys()
    {
        _keys.ForEach(k => k.Dispose());
        _keys.Clear();
    }

    private PeerId NewPeer()
    {
        var key = PrivateKey.Generate(KeyType.Ed25519);
        _keys.Add(key);
        return key.PeerId;
    }

    private static KademliaPeer Peer(PeerId id) => new(id, [Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001")]);

    [Test]
    public void Distance_IsXorOfTheHashes_AndCommonPrefixCountsLeadingEqualBits()
    {
        var zero = KademliaKey.FromHash(new byte[32]);
        var top = new byte[32];
        top[0] = 0x80;
        var low = new byte[32];
        low[31] = 0x01;

        Assert.That(zero.CommonPrefixLength(zero), Is.EqualTo(256));
        Assert.That(zero.CommonPrefixLength(KademliaKey.FromHash(top)), Is.Zero);
        Assert.That(zero.CommonPrefixLength(KademliaKey.FromHash(low)), Is.EqualTo(255));
        Assert.That(KademliaKey.CompareDistance(zero, KademliaKey.FromHash(low), KademliaKey.FromHash(top)), Is.Negative);
        Assert.That(KademliaKey.ForBytes("abc"u8).ToString(), Is.EqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "SHA-256 of the key");
    }

    [Test]
    public void ModelHashes_MapToSha256Multihashes()
    {
        Assert.That(Model[..2], Is.EqualTo(new byte[] { 0x12, 0x20 }));
        Assert.That(ModelProviderKey.ModelHashOf(Model), Is.EqualTo("sha256:" + new string('a', 64)));
        Assert.That(() => ModelProviderKey.For("sha256:xyz"), Throws.TypeOf<FormatException>());
        Assert.That(() => ModelProviderKey.For("md5:" + new string('a', 64)), Throws.TypeOf<FormatException>());
        Assert.That(ModelProviderKey.IsValidProviderKey([0x12, 0x20, 1]), Is.False);
    }

    [Test]
    public void AFullBucket_KeepsItsOldPeers_AndNamesTheOneToCheck()
    {
        var self = NewPeer();
        var table = new RoutingTable(self, bucketSize: 2);
        // Find three peers in bucket 0 (about half of all IDs land there).
        var inBucket0 = new List<PeerId>();
        while (inBucket0.Count < 3)
        {
            var peer = NewPeer();
            if (table.BucketOf(peer) == 0)
                inBucket0.Add(peer);
        }

        Assert.That(table.TryAdd(inBucket0[0], Now), Is.EqualTo(RoutingTableUpdate.Added));
        Assert.That(table.TryAdd(inBucket0[1], Now.AddSeconds(1)), Is.EqualTo(RoutingTableUpdate.Added));
        Assert.That(table.TryAdd(inBucket0[0], Now.AddSeconds(2)), Is.EqualTo(RoutingTableUpdate.Refreshed));
        Assert.That(table.TryAdd(inBucket0[2], Now.AddSeconds(3), out var check), Is.EqualTo(RoutingTableUpdate.BucketFull));
        Assert.That(check, Is.EqualTo(inBucket0[1]), "the least recently seen");
        Assert.That(table.TryAdd(self, Now), Is.EqualTo(RoutingTableUpdate.Self));
        table.Remove(inBucket0[1]);
        Assert.That(table.TryAdd(inBucket0[2], Now.AddSeconds(4)), Is.EqualTo(RoutingTableUpdate.Added));
        Assert.That(table.Count, Is.EqualTo(2));
    }

    [Test]
    public void Nearest_IsTheTrueXorOrder()
    {
        var table = new RoutingTable(NewPeer(), bucketSize: 20);
        var peers = Enumerable.Range(0, 60).Select(_ => NewPeer()).ToList();
        foreach (var peer in peers)
            table.TryAdd(peer, Now);
        var target = KademliaKey.ForBytes("target"u8);
        var inTable = peers.Where(table.Contains).ToList();

        var expected = inTable.OrderBy(p => target.Xor(KademliaKey.ForPeer(p)), Comparer<KademliaKey>.Create((a, b) => a.CompareTo(b))).Take(5);

        Assert.That(table.Nearest(target, 5), Is.EqualTo(expected));
        Assert.That(table.RandomKeyInBucket(3, new Random(1)), Has.Length.EqualTo(32));
        Assert.That(table.LocalKey.CommonPrefixLength(KademliaKey.ForBytes(table.RandomKeyInBucket(3, new Random(1)))), Is.EqualTo(3));
    }

    [Test]
    public void AddProvider_StoresOnlyTheSendersOwnRecord_AndGetProvidersReturnsIt()
    {
        var node = new KademliaCore(NewPeer(), new KademliaOptions(), _ => []);
        var sender = NewPeer();
        var victim = NewPeer();
        var asker = NewPeer();

        var none = node.Handle(sender, new KademliaMessage(KademliaMessageType.AddProvider, Model, null, [], [Peer(sender), Peer(victim)]), Now);
        var answer = node.Handle(asker, KademliaMessage.Request(KademliaMessageType.GetProviders, Model), Now)!;

        Assert.That(none, Is.Null);
        Assert.That(answer.ProviderPeers.Select(p => p.Id), Is.EqualTo(new[] { sender }));
        Assert.That(answer.ProviderPeers[0].Addresses, Is.EqualTo(Peer(sender).Addresses));
    }

    [Test]
    public void ProviderRecords_LoseTheirAddresses_ThenExpire()
    {
        var options = new KademliaOptions();
        var store = new ProviderStore(options);
        var provider = NewPeer();
        store.Add(Model, Peer(provider), Now);

        Assert.That(store.Get(Model, Now + options.ProviderAddressLifetime, 20).Single().Addresses, Is.Empty);
        Assert.That(store.Get(Model, Now + options.ProviderRecordLifetime, 20), Is.Empty);
        Assert.That(store.Expire(Now + options.ProviderRecordLifetime), Is.EqualTo(1));
        Assert.That(store.KeyCount, Is.Zero);
    }

    [Test]
    public void ProviderFloods_AreBoundedPerProviderPerKeyAndInTotal()
    {
        var options = new KademliaOptions { MaxKeysPerProvider = 3, MaxProvidersPerKey = 2, MaxProviderKeys = 5 };
        var store = new ProviderStore(options);
        var flooder = NewPeer();
        var accepted = Enumerable.Range(0, 10).Count(i => store.Add([0x12, 0x20, .. new byte[31], (byte)i], Peer(flooder), Now));
        var perKey = Enumerable.Range(0, 4).Select(i => store.Add(Model, Peer(NewPeer()), Now.AddSeconds(i))).ToList();
        var total = Enumerable.Range(100, 5).Count(i => store.Add([0x12, 0x20, .. new byte[31], (byte)i], Peer(NewPeer()), Now));

        Assert.That(accepted, Is.EqualTo(3));
        Assert.That(perKey, Has.All.True, "a full key makes room by dropping its stalest record");
        Assert.That(store.Get(Model, Now.AddSeconds(4), 20), Has.Count.EqualTo(2));
        Assert.That(total, Is.EqualTo(1), "five keys in total");
        Assert.That(store.KeyCount, Is.EqualTo(5));
    }

    [Test]
    public void InvalidRequests_AreRefused()
    {
        var node = new KademliaCore(NewPeer(), new KademliaOptions(), _ => []);
        var from = NewPeer();

        Assert.That(() => node.Handle(from, KademliaMessage.Request(KademliaMessageType.GetProviders, new byte[] { 1, 2, 3 }), Now), Throws.TypeOf<FormatException>());
        Assert.That(() => node.Handle(from, new KademliaMessage(KademliaMessageType.AddProvider, new byte[] { 0x12 }, null, [], [Peer(from)]), Now), Throws.TypeOf<FormatException>());
        Assert.That(() => node.Handle(from, KademliaMessage.Request(KademliaMessageType.PutValue, "/pk/x"u8.ToArray()), Now), Throws.TypeOf<FormatException>(), "no record");
        var unknownNamespace = new KademliaRecord("/free/storage"u8.ToArray(), new byte[10]);
        Assert.That(() => node.Handle(from, new KademliaMessage(KademliaMessageType.PutValue, unknownNamespace.Key, unknownNamespace, [], []), Now),
            Throws.TypeOf<FormatException>().With.Message.Contains("no validator"));
        Assert.That(() => node.Handle(from, new byte[node.Options.MaxMessageSize + 1], Now), Throws.TypeOf<FormatException>());
        Assert.That(() => node.StartProviding(new byte[] { 1 }), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void PublicKeyRecords_AreStoredOnlyWhenTheKeyMatchesThePeer()
    {
        using var key = PrivateKey.Generate(KeyType.Secp256k1);
        var node = new KademliaCore(NewPeer(), new KademliaOptions(), _ => [], [new PublicKeyRecordValidator()]);
        byte[] recordKey = [.. "/pk/"u8, .. key.PeerId.Bytes.Span];
        var good = new KademliaRecord(recordKey, key.PublicKey.ToProtobuf());
        var wrong = new KademliaRecord(recordKey, PrivateKey.Generate(KeyType.Ed25519).PublicKey.ToProtobuf());

        Assert.That(() => node.Handle(NewPeer(), new KademliaMessage(KademliaMessageType.PutValue, recordKey, wrong, [], []), Now), Throws.TypeOf<FormatException>());
        var echoed = node.Handle(NewPeer(), new KademliaMessage(KademliaMessageType.PutValue, recordKey, good, [], []), Now);
        var got = node.Handle(NewPeer(), KademliaMessage.Request(KademliaMessageType.GetValue, recordKey), Now)!;

        Assert.That(echoed!.Record, Is.EqualTo(good));
        Assert.That(got.Record!.Value.ToArray(), Is.EqualTo(good.Value.ToArray()));
    }

    [Test]
    public void FindNode_AnswersTheClosestPeersWithAddresses_ButNotTheAsker()
    {
        var address = Multiaddress.Parse("/ip4/8.8.8.8/tcp/4001");
        var node = new KademliaCore(NewPeer(), new KademliaOptions(), _ => [address]);
        var peers = Enumerable.Range(0, 30).Select(_ => NewPeer()).ToList();
        foreach (var peer in peers)
            node.AddServer(peer, Now);

        var answer = KademliaMessages.Decode(node.Handle(peers[0], KademliaMessages.Encode(KademliaMessage.Request(KademliaMessageType.FindNode, peers[0].Bytes)), Now)!,
            node.Options.MaxMessageSize, node.Options.MaxRecordValueSize);

        Assert.That(answer.Type, Is.EqualTo(KademliaMessageType.FindNode));
        Assert.That(answer.CloserPeers, Has.Count.EqualTo(Math.Min(20, node.Table.Count - (node.Table.Contains(peers[0]) ? 1 : 0))));
        Assert.That(answer.CloserPeers.Select(p => p.Id), Does.Not.Contain(peers[0]));
        Assert.That(answer.CloserPeers.All(p => p.Addresses.SequenceEqual([address])), Is.True);
    }

    [Test]
    public void ALookup_KeepsAlphaInFlight_SkipsFailures_AndEndsWhenTheClosestAnswered()
    {
        var self = NewPeer();
        var seeds = Enumerable.Range(0, 5).Select(_ => NewPeer()).ToList();
        var lookup = new KademliaLookup(Model, KademliaMessageType.FindNode, seeds, self, k: 3, alpha: 2);

        var first = lookup.NextRequests(Now);
        Assert.That(first, Has.Count.EqualTo(2));
        Assert.That(lookup.NextRequests(Now), Is.Empty, "alpha in flight");
        lookup.OnFailure(first[0]);
        lookup.OnAnswer(first[1], new KademliaMessage(KademliaMessageType.FindNode, Model, null, [Peer(self)], []));
        var second = lookup.NextRequests(Now);
        Assert.That(second, Has.Count.EqualTo(2));
        Assert.That(lookup.Expire(Now + TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)), Is.EquivalentTo(second));
        while (!lookup.IsFinished)
        {
            var next = lookup.NextRequests(Now);
            Assert.That(next, Is.Not.Empty, "a lookup that is not finished has someone to ask");
            foreach (var peer in next)
                lookup.OnAnswer(peer, KademliaMessage.Request(KademliaMessageType.FindNode, Model));
        }

        Assert.That(lookup.ClosestAnswered(), Has.Count.EqualTo(2), "five seeds, three failed: two answered");
        Assert.That(lookup.ClosestAnswered(), Does.Not.Contain(self));
        Assert.That(lookup.RequestsSent, Is.EqualTo(5));
    }
}
