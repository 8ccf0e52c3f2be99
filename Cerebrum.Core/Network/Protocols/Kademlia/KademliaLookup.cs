using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// One iterative lookup (the spec's peer routing, also used for providers and values), without I/O. Candidates are
/// kept by distance to the target; at most α requests are in flight, always to the closest candidates not yet asked;
/// the lookup ends when the k closest candidates that have not failed have all answered (or none are left), or, for a
/// provider lookup, as soon as enough providers were found. The caller sends what <see cref="NextRequests"/> returns
/// and reports each answer, failure or timeout. Candidates are bounded (answers name at most 2k peers each; the
/// farthest are dropped beyond 16k), so a peer answering with endless fresh IDs cannot grow it without limit.
/// Not thread-safe.
/// </summary>
public sealed class KademliaLookup
{
    private const int CandidateBoundFactor = 16;
    private readonly Dictionary<PeerId, Candidate> _candidates = [];
    private readonly List<Candidate> _byDistance = [];
    private readonly Dictionary<PeerId, KademliaPeer> _providers = [];
    private readonly PeerId _self;
    private readonly int _k;
    private readonly int _alpha;
    private int _inFlight;

    /// <param name="key">The key looked up (a peer ID's bytes, a provider key, a record key).</param>
    /// <param name="type">The request to send each peer: FIND_NODE, GET_PROVIDERS or GET_VALUE.</param>
    /// <param name="seeds">The closest peers we know (from the routing table).</param>
    /// <param name="self">Our ID, never a candidate.</param>
    /// <param name="k">Replication parameter.</param>
    /// <param name="alpha">Requests in flight at most.</param>
    /// <param name="providersWanted">For GET_PROVIDERS: stop once this many providers are known (0: run to the end).</param>
    public KademliaLookup(ReadOnlyMemory<byte> key, KademliaMessageType type, IEnumerable<PeerId> seeds, PeerId self, int k, int alpha, int providersWanted = 0)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(self);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(alpha, 1);
        if (type is not (KademliaMessageType.FindNode or KademliaMessageType.GetProviders or KademliaMessageType.GetValue))
            throw new ArgumentException($"{type} is not a lookup", nameof(type));
        Key = key;
        Target = KademliaKey.ForBytes(key.Span);
        Type = type;
        _self = self;
        _k = k;
        _alpha = alpha;
        ProvidersWanted = providersWanted;
        foreach (var seed in seeds)
            AddCandidate(seed, 0);
    }

    public ReadOnlyMemory<byte> Key { get; }
    public KademliaKey Target { get; }
    public KademliaMessageType Type { get; }
    public int ProvidersWanted { get; }

    /// <summary>Requests sent so far.</summary>
    public int RequestsSent { get; private set; }

    /// <summary>Answers received so far.</summary>
    public int Answers { get; private set; }

    /// <summary>Providers found so far (GET_PROVIDERS), freshest answer last.</summary>
    public IReadOnlyCollection<KademliaPeer> Providers => _providers.Values;

    /// <summary>The first valid record found (GET_VALUE), with who sent it.</summary>
    public KademliaRecord? Record { get; private set; }

    /// <summary>The request every peer of this lookup is sent.</summary>
    public KademliaMessage Request => KademliaMessage.Request(Type, Key);

    public bool IsFinished
    {
        get
        {
            if (ProvidersWanted > 0 && _providers.Count >= ProvidersWanted)
                return true;
            if (Type == KademliaMessageType.GetValue && Record is not null)
                return true;
            var closest = 0;
            foreach (var candidate in _byDistance)
            {
                if (candidate.State == CandidateState.Failed)
                    continue;
                if (candidate.State != CandidateState.Answered)
                    return false;
                if (++closest >= _k)
                    return true;
            }
            return true;
        }
    }

    /// <summary>The k closest peers that answered, closest first (the lookup's result for FIND_NODE).</summary>
    public IReadOnlyList<PeerId> ClosestAnswered() =>
        [.. _byDistance.Where(c => c.State == CandidateState.Answered).Take(_k).Select(c => c.Peer)];

    /// <summary>Hops of the deepest peer among <see cref="ClosestAnswered"/>: peers learnt from peers learnt from … the seeds.</summary>
    public int Depth => _byDistance.Where(c => c.State == CandidateState.Answered).Take(_k).Select(c => c.Hops).DefaultIfEmpty(0).Max();

    /// <summary>The peers to send <see cref="Request"/> to now (marked as in flight).</summary>
    public List<PeerId> NextRequests(DateTimeOffset now)
    {
        var next = new List<PeerId>();
        if (IsFinished)
            return next;
        var considered = 0;
        foreach (var candidate in _byDistance)
        {
            if (_inFlight >= _alpha || considered >= _k)
                break;
            if (candidate.State == CandidateState.Failed)
                continue;
            considered++;
            if (candidate.State != CandidateState.NotAsked)
                continue;
            candidate.State = CandidateState.Waiting;
            candidate.SentAt = now;
            _inFlight++;
            RequestsSent++;
            next.Add(candidate.Peer);
        }
        return next;
    }

    /// <summary>
    /// <paramref name="peer"/> answered: its closer peers become candidates, its providers and record are collected.
    /// An answer from a peer we did not ask is ignored.
    /// </summary>
    public void OnAnswer(PeerId peer, KademliaMessage answer, Func<KademliaRecord, bool>? recordIsValid = null)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (!_candidates.TryGetValue(peer, out var candidate) || candidate.State != CandidateState.Waiting)
            return;
        candidate.State = CandidateState.Answered;
        _inFlight--;
        Answers++;
        foreach (var closer in answer.CloserPeers)
            AddCandidate(closer.Id, candidate.Hops + 1);
        if (Type == KademliaMessageType.GetProviders)
            foreach (var provider in answer.ProviderPeers)
                _providers[provider.Id] = provider;
        if (Type == KademliaMessageType.GetValue && Record is null && answer.Record is { } record
            && record.Key.Span.SequenceEqual(Key.Span) && (recordIsValid?.Invoke(record) ?? true))
            Record = record;
    }

    /// <summary><paramref name="peer"/> failed to answer (error, reset, malformed answer).</summary>
    public void OnFailure(PeerId peer)
    {
        if (!_candidates.TryGetValue(peer, out var candidate) || candidate.State != CandidateState.Waiting)
            return;
        candidate.State = CandidateState.Failed;
        _inFlight--;
    }

    /// <summary>Requests older than <paramref name="timeout"/> fail; returns their peers.</summary>
    public List<PeerId> Expire(DateTimeOffset now, TimeSpan timeout)
    {
        var expired = _byDistance.Where(c => c.State == CandidateState.Waiting && now - c.SentAt >= timeout).Select(c => c.Peer).ToList();
        foreach (var peer in expired)
            OnFailure(peer);
        return expired;
    }

    private void AddCandidate(PeerId peer, int hops)
    {
        if (peer == _self || _candidates.ContainsKey(peer))
            return;
        var candidate = new Candidate(peer, Target.Xor(KademliaKey.ForPeer(peer)), hops);
        var index = _byDistance.BinarySearch(candidate, CandidateComparer.Instance);
        _byDistance.Insert(index < 0 ? ~index : index, candidate);
        _candidates[peer] = candidate;
        var bound = _k * CandidateBoundFactor;
        while (_byDistance.Count > bound && _byDistance[^1].State == CandidateState.NotAsked)
        {
            _candidates.Remove(_byDistance[^1].Peer);
            _byDistance.RemoveAt(_byDistance.Count - 1);
        }
    }

    private enum CandidateState
    {
        NotAsked,
        Waiting,
        Answered,
        Failed,
    }

    private sealed class Candidate(PeerId peer, KademliaKey distance, int hops)
    {
        public PeerId Peer { get; } = peer;
        public KademliaKey Distance { get; } = distance;
        public int Hops { get; } = hops;
        public CandidateState State { get; set; }
        public DateTimeOffset SentAt { get; set; }
    }

    private sealed class CandidateComparer : IComparer<Candidate>
    {
        public static readonly CandidateComparer Instance = new();

        public int Compare(Candidate? x, Candidate? y) => x!.Distance.CompareTo(y!.Distance);
    }
}
