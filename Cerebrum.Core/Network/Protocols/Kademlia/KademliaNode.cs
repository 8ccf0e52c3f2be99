using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// A running DHT node: a <see cref="KademliaCore"/> behind a lock, lookups driven to their end with α requests in
/// flight (each under the request timeout), and the upkeep (republishing our provider records, expiring others',
/// refreshing buckets). Host-independent: requests go out through <see cref="SendAsync"/>, which the host implements
/// with a stream per request (<see cref="KademliaProtocol.RequestAsync"/>), and inbound requests come in through
/// <see cref="Handle"/>. Thread-safe.
/// </summary>
public sealed class KademliaNode
{
    private readonly Lock _gate = new();
    private readonly KademliaCore _core;
    private readonly Func<PeerId, KademliaMessage, CancellationToken, Task<KademliaMessage?>> _send;
    private readonly Func<IReadOnlyList<Multiaddress>> _ourAddresses;
    private readonly TimeProvider _time;
    private readonly Random _random;

    /// <param name="core">The node's state.</param>
    /// <param name="send">Sends a request to a peer and returns its answer (null for ADD_PROVIDER); any exception (a failed dial, a refused protocol, a bad answer, the timeout) counts as the peer failing.</param>
    /// <param name="ourAddresses">Our advertised addresses, put in our provider records.</param>
    /// <param name="time">The clock.</param>
    /// <param name="random">For bucket refresh targets.</param>
    public KademliaNode(KademliaCore core, Func<PeerId, KademliaMessage, CancellationToken, Task<KademliaMessage?>> send, Func<IReadOnlyList<Multiaddress>> ourAddresses,
        TimeProvider time, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(ourAddresses);
        ArgumentNullException.ThrowIfNull(time);
        _core = core;
        _send = send;
        _ourAddresses = ourAddresses;
        _time = time;
        _random = random ?? new Random();
    }

    public PeerId Self => _core.Self;

    public KademliaOptions Options => _core.Options;

    /// <summary>Peers in the routing table.</summary>
    public int RoutingTableSize
    {
        get
        {
            lock (_gate)
                return _core.Table.Count;
        }
    }

    private long _requestsSent;

    /// <summary>Requests sent by lookups so far (for metrics and benchmarks).</summary>
    public long RequestsSent => Interlocked.Read(ref _requestsSent);

    /// <summary>Answers an inbound request (see <see cref="KademliaCore.Handle(PeerId, ReadOnlySpan{byte}, DateTimeOffset)"/>).</summary>
    /// <exception cref="FormatException">A malformed or invalid request.</exception>
    public byte[]? Handle(PeerId from, byte[] request)
    {
        lock (_gate)
            return _core.Handle(from, request, _time.GetUtcNow());
    }

    /// <summary>A peer that serves the DHT (identify lists our protocol, or it answered): a routing table candidate.</summary>
    public void AddServer(PeerId peer)
    {
        lock (_gate)
            _core.AddServer(peer, _time.GetUtcNow());
    }

    /// <summary>The k peers closest to <paramref name="key"/> that answered.</summary>
    public async Task<IReadOnlyList<PeerId>> FindClosestAsync(ReadOnlyMemory<byte> key, CancellationToken ct)
    {
        KademliaLookup lookup;
        lock (_gate)
            lookup = _core.FindClosest(key);
        await RunAsync(lookup, null, ct).ConfigureAwait(false);
        return lookup.ClosestAnswered();
    }

    /// <summary>
    /// Where <paramref name="peer"/> can be reached, as the peers closest to its ID know it; null when no answer named
    /// it (it is offline or not a DHT server).
    /// </summary>
    public async Task<KademliaPeer?> FindPeerAsync(PeerId peer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(peer);
        KademliaLookup lookup;
        lock (_gate)
            lookup = _core.FindClosest(peer.Bytes);
        KademliaPeer? found = null;
        await RunAsync(lookup, answer =>
        {
            foreach (var closer in answer.CloserPeers)
                if (closer.Id == peer && (found is null || found.Addresses.Count < closer.Addresses.Count))
                    found = closer;
        }, ct).ConfigureAwait(false);
        return found;
    }

    /// <summary>Providers of <paramref name="key"/>: those we hold, else a lookup until <paramref name="wanted"/> are found (0: the whole lookup).</summary>
    public async Task<IReadOnlyList<KademliaPeer>> FindProvidersAsync(ReadOnlyMemory<byte> key, int wanted, CancellationToken ct)
    {
        KademliaLookup lookup;
        lock (_gate)
        {
            var local = _core.LocalProviders(key.Span, _time.GetUtcNow());
            if (wanted > 0 && local.Count >= wanted)
                return local;
            lookup = _core.FindProviders(key, wanted);
        }
        await RunAsync(lookup, null, ct).ConfigureAwait(false);
        return [.. lookup.Providers];
    }

    /// <summary>Starts providing <paramref name="key"/> and publishes the record now; returns on how many peers it was stored.</summary>
    /// <exception cref="FormatException">The key is not a multihash.</exception>
    public async Task<int> ProvideAsync(ReadOnlyMemory<byte> key, CancellationToken ct)
    {
        lock (_gate)
            _core.StartProviding(key);
        return await PublishDueAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Starts providing <paramref name="key"/>; the record goes out with the next upkeep (<see cref="MaintainAsync"/>).</summary>
    /// <exception cref="FormatException">The key is not a multihash.</exception>
    public void StartProviding(ReadOnlyMemory<byte> key)
    {
        lock (_gate)
            _core.StartProviding(key);
    }

    /// <summary>Our addresses changed: every provider record goes out again with the next upkeep.</summary>
    public void RepublishAll()
    {
        lock (_gate)
            _core.RepublishAll();
    }

    public void StopProviding(ReadOnlySpan<byte> key)
    {
        lock (_gate)
            _core.StopProviding(key);
    }

    /// <summary>
    /// One round of upkeep: expire provider records, publish our due records, refresh due buckets (a lookup of our own ID
    /// first). Run it every minute or so; each part keeps its own interval.
    /// </summary>
    public async Task MaintainAsync(CancellationToken ct)
    {
        List<int> buckets;
        lock (_gate)
        {
            _core.Expire(_time.GetUtcNow());
            buckets = _core.Table.BucketsToRefresh(_time.GetUtcNow(), Options.BucketRefreshInterval);
        }
        await PublishDueAsync(ct).ConfigureAwait(false);
        if (buckets.Count == 0)
            return;
        await FindClosestAsync(Self.Bytes, ct).ConfigureAwait(false);
        foreach (var bucket in buckets)
        {
            byte[] target;
            lock (_gate)
                target = _core.Table.RandomKeyInBucket(bucket, _random);
            await FindClosestAsync(target, ct).ConfigureAwait(false);
            lock (_gate)
                _core.Table.MarkRefreshed(bucket, _time.GetUtcNow());
        }
    }

    private async Task<int> PublishDueAsync(CancellationToken ct)
    {
        List<byte[]> due;
        lock (_gate)
            due = _core.ProvidesDue(_time.GetUtcNow());
        var stored = 0;
        foreach (var key in due)
        {
            var closest = await FindClosestAsync(key, ct).ConfigureAwait(false);
            KademliaMessage request;
            lock (_gate)
                request = _core.AddProviderRequest(key, _ourAddresses());
            var sends = closest.Select(async peer => await TrySendAsync(peer, request, ct).ConfigureAwait(false) is (true, _)).ToList();
            stored += (await Task.WhenAll(sends).ConfigureAwait(false)).Count(ok => ok);
        }
        return stored;
    }

    private async Task RunAsync(KademliaLookup lookup, Action<KademliaMessage>? observe, CancellationToken ct)
    {
        var inFlight = new Dictionary<Task<(bool Ok, KademliaMessage? Answer)>, PeerId>();
        while (true)
        {
            List<PeerId> next;
            lock (_gate)
                next = lookup.IsFinished ? [] : lookup.NextRequests(_time.GetUtcNow());
            Interlocked.Add(ref _requestsSent, next.Count);
            foreach (var peer in next)
                inFlight[TrySendAsync(peer, lookup.Request, ct)] = peer;
            if (inFlight.Count == 0 || lookup.IsFinished)
                break;
            var done = await Task.WhenAny(inFlight.Keys).ConfigureAwait(false);
            var from = inFlight[done];
            inFlight.Remove(done);
            var (ok, answer) = await done.ConfigureAwait(false);
            lock (_gate)
            {
                if (ok && answer is not null)
                {
                    lookup.OnAnswer(from, answer, record => _core.Records.Validate(record) is null);
                    _core.AddServer(from, _time.GetUtcNow());
                }
                else
                {
                    lookup.OnFailure(from);
                    _core.PeerFailed(from);
                }
            }
            if (ok && answer is not null)
                observe?.Invoke(answer);
        }
        // A finished lookup leaves slower requests behind: let them end (each is bounded by the request timeout).
        await Task.WhenAll(inFlight.Keys).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }

    private async Task<(bool Ok, KademliaMessage? Answer)> TrySendAsync(PeerId peer, KademliaMessage request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Options.RequestTimeout);
        try
        {
            var answer = await _send(peer, request, timeout.Token).ConfigureAwait(false);
            return (true, answer);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Unreachable (a failed dial, a refused protocol), slow (the request timeout) or misbehaving (a bad answer):
            // the lookup counts the peer as failed and moves on to others.
            return (false, null);
        }
    }
}
