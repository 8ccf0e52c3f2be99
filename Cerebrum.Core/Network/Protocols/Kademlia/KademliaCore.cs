using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// One DHT node's state and rules, without I/O or clock of its own: the routing table, the provider and value records
/// held for others, the keys we provide ourselves and when to publish them again, answers to inbound requests, and
/// the lookups we start. The I/O edge (or a simulation) moves the messages and feeds the time. Not thread-safe: the
/// owner serialises calls.
/// </summary>
public sealed class KademliaCore
{
    private readonly Func<PeerId, IReadOnlyList<Multiaddress>> _addressesOf;
    private readonly Dictionary<string, Provide> _provided = new(StringComparer.Ordinal);

    /// <param name="self">Our peer ID.</param>
    /// <param name="options">Parameters and limits.</param>
    /// <param name="addressesOf">The addresses we know for a peer (the peer store), to put next to it in answers.</param>
    /// <param name="validators">Value record namespaces we store (none: PUT_VALUE is refused).</param>
    public KademliaCore(PeerId self, KademliaOptions options, Func<PeerId, IReadOnlyList<Multiaddress>> addressesOf, IEnumerable<IRecordValidator>? validators = null)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(addressesOf);
        options.Validate();
        Self = self;
        Options = options;
        _addressesOf = addressesOf;
        Table = new RoutingTable(self, options.BucketSize);
        Providers = new ProviderStore(options);
        Records = new RecordStore(options, validators ?? []);
    }

    public PeerId Self { get; }
    public KademliaOptions Options { get; }
    public RoutingTable Table { get; }
    public ProviderStore Providers { get; }
    public RecordStore Records { get; }

    /// <summary>Keys we provide ourselves.</summary>
    public int ProvidedKeyCount => _provided.Count;

    /// <summary>
    /// <paramref name="peer"/> serves the DHT (it answered us, or identify lists our protocol): it may enter the routing
    /// table. When its bucket is full, <paramref name="check"/> is the old peer to ping (remove it if it is gone).
    /// </summary>
    public RoutingTableUpdate AddServer(PeerId peer, DateTimeOffset now, out PeerId? check) => Table.TryAdd(peer, now, out check);

    public RoutingTableUpdate AddServer(PeerId peer, DateTimeOffset now) => Table.TryAdd(peer, now, out _);

    /// <summary><paramref name="peer"/> failed a request or went away: it leaves the routing table.</summary>
    public void PeerFailed(PeerId peer) => Table.Remove(peer);

    /// <summary>Decodes and answers a request; null when the request type has no answer (ADD_PROVIDER).</summary>
    /// <exception cref="FormatException">A malformed or invalid request: the edge resets the stream.</exception>
    public byte[]? Handle(PeerId from, ReadOnlySpan<byte> request, DateTimeOffset now)
    {
        var message = KademliaMessages.Decode(request, Options.MaxMessageSize, Options.MaxRecordValueSize);
        return Handle(from, message, now) is { } answer ? KademliaMessages.Encode(answer) : null;
    }

    /// <summary>Answers a decoded request; null when the request type has no answer (ADD_PROVIDER).</summary>
    /// <exception cref="FormatException">The request is invalid for its type (a provider key that is not a multihash, a bad record).</exception>
    public KademliaMessage? Handle(PeerId from, KademliaMessage request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(request);
        switch (request.Type)
        {
            case KademliaMessageType.FindNode:
            {
                var closer = Closer(request.Key, from);
                // The peer asked for may be one we know but that does not serve the DHT (a node behind NAT, a client):
                // name it with the addresses we have (its circuit addresses, say), as go-libp2p does for connected peers.
                if (AsPeerId(request.Key.Span) is { } target && target != from && target != Self && closer.TrueForAll(p => p.Id != target)
                    && _addressesOf(target) is { Count: > 0 } addresses)
                    closer.Insert(0, new KademliaPeer(target, [.. addresses.Take(KademliaMessages.MaxAddressesPerPeer)]));
                return Answer(request, closer, []);
            }
            case KademliaMessageType.GetProviders:
                RequireProviderKey(request.Key);
                var held = Providers.Get(request.Key.Span, now, Options.BucketSize);
                // We serve it ourselves: say so, as a record we hold for ourselves (the lookup may end here).
                if (_provided.ContainsKey(Convert.ToHexString(request.Key.Span)) && held.TrueForAll(p => p.Id != Self)
                    && _addressesOf(Self) is { Count: > 0 } ours)
                    held.Insert(0, new KademliaPeer(Self, [.. ours.Take(KademliaMessages.MaxAddressesPerPeer)]));
                return Answer(request, Closer(request.Key, from), held);
            case KademliaMessageType.AddProvider:
                RequireProviderKey(request.Key);
                // Only the sender may announce itself; providers it names for others are ignored (spec).
                foreach (var provider in request.ProviderPeers)
                {
                    if (provider.Id != from)
                        continue;
                    var addresses = provider.Addresses.Count > 0 ? provider.Addresses : _addressesOf(from);
                    Providers.Add(request.Key.Span, provider with { Addresses = [.. addresses.Take(KademliaMessages.MaxAddressesPerPeer)] }, now);
                }
                return null;
            case KademliaMessageType.GetValue:
                return new KademliaMessage(KademliaMessageType.GetValue, request.Key, Records.Get(request.Key.Span), Closer(request.Key, from), []);
            case KademliaMessageType.PutValue:
                if (request.Record is not { } record || !record.Key.Span.SequenceEqual(request.Key.Span))
                    throw new FormatException("PUT_VALUE without a record for its key");
                if (Records.Put(record) is { } refused)
                    throw new FormatException($"PUT_VALUE refused: {refused}");
                return request;
            case KademliaMessageType.Ping:
                return KademliaMessage.Request(KademliaMessageType.Ping, ReadOnlyMemory<byte>.Empty);
            default:
                throw new FormatException($"unknown DHT request {request.Type}");
        }
    }

    /// <summary>A lookup of the k peers closest to <paramref name="key"/>, seeded from the routing table.</summary>
    public KademliaLookup FindClosest(ReadOnlyMemory<byte> key) =>
        new(key, KademliaMessageType.FindNode, Table.Nearest(KademliaKey.ForBytes(key.Span), Options.BucketSize), Self, Options.BucketSize, Options.Alpha);

    /// <summary>A lookup of the providers of <paramref name="key"/>, ending once <paramref name="wanted"/> are found (0: the whole lookup).</summary>
    public KademliaLookup FindProviders(ReadOnlyMemory<byte> key, int wanted) =>
        new(key, KademliaMessageType.GetProviders, Table.Nearest(KademliaKey.ForBytes(key.Span), Options.BucketSize), Self, Options.BucketSize, Options.Alpha, wanted);

    /// <summary>Providers of <paramref name="key"/> we hold ourselves (checked before asking anyone).</summary>
    public List<KademliaPeer> LocalProviders(ReadOnlySpan<byte> key, DateTimeOffset now) => Providers.Get(key, now, Options.BucketSize);

    /// <summary>A lookup of the value record under <paramref name="key"/>.</summary>
    public KademliaLookup FindValue(ReadOnlyMemory<byte> key) =>
        new(key, KademliaMessageType.GetValue, Table.Nearest(KademliaKey.ForBytes(key.Span), Options.BucketSize), Self, Options.BucketSize, Options.Alpha);

    /// <summary>Starts providing <paramref name="key"/>: it is due for publication at once, then every republish interval.</summary>
    /// <exception cref="FormatException">The key is not a multihash.</exception>
    public void StartProviding(ReadOnlyMemory<byte> key)
    {
        RequireProviderKey(key);
        _provided.TryAdd(Convert.ToHexString(key.Span), new Provide(key.ToArray()));
    }

    public void StopProviding(ReadOnlySpan<byte> key) => _provided.Remove(Convert.ToHexString(key));

    /// <summary>Makes every key we provide due for publication (our addresses changed: the stored records carry the old ones).</summary>
    public void RepublishAll()
    {
        foreach (var provide in _provided.Values)
            provide.PublishedAt = null;
    }

    /// <summary>Keys due for (re)publication at <paramref name="now"/>, marked as published now.</summary>
    public List<byte[]> ProvidesDue(DateTimeOffset now)
    {
        var due = new List<byte[]>();
        foreach (var provide in _provided.Values)
        {
            if (provide.PublishedAt is { } at && now - at < Options.ProviderRepublishInterval)
                continue;
            provide.PublishedAt = now;
            due.Add(provide.Key);
        }
        return due;
    }

    /// <summary>The ADD_PROVIDER to send each of the k closest peers to <paramref name="key"/>.</summary>
    public KademliaMessage AddProviderRequest(ReadOnlyMemory<byte> key, IReadOnlyList<Multiaddress> ourAddresses) =>
        new(KademliaMessageType.AddProvider, key, null, [], [new KademliaPeer(Self, ourAddresses)]);

    /// <summary>Drops expired provider records; returns how many.</summary>
    public int Expire(DateTimeOffset now) => Providers.Expire(now);

    private KademliaMessage Answer(KademliaMessage request, List<KademliaPeer> closer, List<KademliaPeer> providers) =>
        new(request.Type, request.Key, null, closer, providers);

    private List<KademliaPeer> Closer(ReadOnlyMemory<byte> key, PeerId requester) =>
        [.. Table.Nearest(KademliaKey.ForBytes(key.Span), Options.BucketSize, requester).Select(p => new KademliaPeer(p, _addressesOf(p)))];

    private static PeerId? AsPeerId(ReadOnlySpan<byte> key)
    {
        try
        {
            return PeerId.FromBytes(key);
        }
        catch (FormatException)
        {
            return null; // a random key (bucket refresh) or a content key
        }
    }

    private static void RequireProviderKey(ReadOnlyMemory<byte> key)
    {
        if (!ModelProviderKey.IsValidProviderKey(key.Span))
            throw new FormatException("a provider key must be a multihash");
    }

    private sealed class Provide(byte[] key)
    {
        public byte[] Key { get; } = key;
        public DateTimeOffset? PublishedAt { get; set; }
    }
}
