using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// Provider records this node holds for others: which peers provide each key, with their addresses, until the record
/// expires. Bounded three ways: keys in total, providers per key (a full key keeps its freshest records), and keys per
/// provider (one peer announcing many keys only fills its own share). Not thread-safe.
/// </summary>
public sealed class ProviderStore
{
    private readonly KademliaOptions _options;
    private readonly Dictionary<string, Dictionary<PeerId, Provided>> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<PeerId, int> _keysPerProvider = [];

    public ProviderStore(KademliaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    public int KeyCount => _byKey.Count;

    public int RecordCount => _keysPerProvider.Values.Sum();

    /// <summary>Stores or renews <paramref name="provider"/>'s record for <paramref name="key"/>; false when a bound refused it.</summary>
    public bool Add(ReadOnlySpan<byte> key, KademliaPeer provider, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var name = Convert.ToHexString(key);
        if (_byKey.TryGetValue(name, out var providers) && providers.ContainsKey(provider.Id))
        {
            providers[provider.Id] = new Provided(provider, now);
            return true;
        }
        if (_keysPerProvider.GetValueOrDefault(provider.Id) >= _options.MaxKeysPerProvider)
            return false;
        if (providers is null)
        {
            if (_byKey.Count >= _options.MaxProviderKeys)
            {
                Expire(now);
                if (_byKey.Count >= _options.MaxProviderKeys)
                    return false;
            }
            _byKey[name] = providers = [];
        }
        else if (providers.Count >= _options.MaxProvidersPerKey)
        {
            var oldest = providers.Values.MinBy(p => p.At)!;
            if (oldest.At >= now)
                return false;
            RemoveRecord(name, providers, oldest.Peer.Id);
        }
        providers[provider.Id] = new Provided(provider, now);
        _keysPerProvider[provider.Id] = _keysPerProvider.GetValueOrDefault(provider.Id) + 1;
        return true;
    }

    /// <summary>
    /// Live providers of <paramref name="key"/>, freshest first, at most <paramref name="max"/>; addresses only for
    /// records renewed within the address lifetime (older addresses may have moved).
    /// </summary>
    public List<KademliaPeer> Get(ReadOnlySpan<byte> key, DateTimeOffset now, int max)
    {
        if (!_byKey.TryGetValue(Convert.ToHexString(key), out var providers))
            return [];
        return [.. providers.Values
            .Where(p => now - p.At < _options.ProviderRecordLifetime)
            .OrderByDescending(p => p.At)
            .Take(max)
            .Select(p => now - p.At < _options.ProviderAddressLifetime ? p.Peer : p.Peer with { Addresses = [] })];
    }

    /// <summary>Drops expired records; returns how many.</summary>
    public int Expire(DateTimeOffset now)
    {
        var removed = 0;
        foreach (var (name, providers) in _byKey.ToList())
        {
            foreach (var stale in providers.Values.Where(p => now - p.At >= _options.ProviderRecordLifetime).ToList())
            {
                RemoveRecord(name, providers, stale.Peer.Id);
                removed++;
            }
        }
        return removed;
    }

    private void RemoveRecord(string name, Dictionary<PeerId, Provided> providers, PeerId peer)
    {
        providers.Remove(peer);
        if (providers.Count == 0)
            _byKey.Remove(name);
        var count = _keysPerProvider.GetValueOrDefault(peer) - 1;
        if (count <= 0) _keysPerProvider.Remove(peer);
        else _keysPerProvider[peer] = count;
    }

    private sealed record Provided(KademliaPeer Peer, DateTimeOffset At);
}
