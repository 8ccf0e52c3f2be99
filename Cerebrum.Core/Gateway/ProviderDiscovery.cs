using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Protocols.Kademlia;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// A gateway's second source of routes beside heartbeats: the DHT's provider records. Each round looks up the
/// providers of the models the gateway routes and of models apps asked for by hash with no route, dials the providers
/// whose status it does not hold and asks them for it (<see cref="NodeStatusProtocol"/>), verifies the answer as a
/// heartbeat and hands it to the status book, from which the routing table is built as for any heartbeat. A model
/// asked for by name is first resolved to hashes (the ledger's model registry, the names heard in heartbeats); a name
/// that resolves to nothing is not resolved again for <see cref="ProviderDiscoveryOptions.UnknownNameRetryInterval"/>.
/// Bounded: models per round, a pause per model, providers per model, concurrent fetches, a timeout on each step, the
/// size of an answer, names remembered as unknown; a provider that answers with somebody else's status, or none, is
/// not recorded.
/// </summary>
public sealed class ProviderDiscovery
{
    private readonly PeerHost _host;
    private readonly KademliaService _dht;
    private readonly ProviderDiscoveryOptions _options;
    private readonly Func<PeerId, bool> _known;
    private readonly Func<VerifiedNodeStatus, string?> _record;
    private readonly NodeStatusValidator _validator;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _wanted = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastLookup = new(StringComparer.Ordinal);
    private readonly Func<string, IReadOnlyList<string>>? _hashesNamed;
    private readonly HashSet<string> _wantedNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _unknownNames = new(StringComparer.Ordinal);
    private long _lookups;
    private long _namesResolved;
    private long _namesUnknown;
    private long _recorded;

    /// <param name="known">Whether the status book holds a current status of a node (it is not asked again).</param>
    /// <param name="record">Records a verified status in the status book; returns why not, or null.</param>
    /// <param name="hashesNamed">The model hashes a name stands for (none: unknown); null looks up hashes only.</param>
    public ProviderDiscovery(PeerHost host, KademliaService dht, ProviderDiscoveryOptions options, Func<PeerId, bool> known, Func<VerifiedNodeStatus, string?> record,
        NodeStatusValidator validator, TimeProvider time, ILogger logger, Func<string, IReadOnlyList<string>>? hashesNamed = null)
    {
        _hashesNamed = hashesNamed;
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _dht = dht ?? throw new ArgumentNullException(nameof(dht));
        _options = options;
        _known = known ?? throw new ArgumentNullException(nameof(known));
        _record = record ?? throw new ArgumentNullException(nameof(record));
        _validator = validator ?? throw new ArgumentNullException(nameof(validator));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public ProviderDiscoveryOptions Options => _options;

    /// <summary>Provider lookups made.</summary>
    public long Lookups => Interlocked.Read(ref _lookups);

    /// <summary>Node statuses learnt from providers and recorded.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Model names resolved to at least one hash and looked up.</summary>
    public long NamesResolved => Interlocked.Read(ref _namesResolved);

    /// <summary>Model names that resolved to no hash (each then left alone for UnknownNameRetryInterval).</summary>
    public long NamesUnknown => Interlocked.Read(ref _namesUnknown);

    /// <summary>
    /// An app asked for <paramref name="model"/> and no route serves it: looked up in the next round, a model hash
    /// directly, a name once resolved to hashes (unless it resolved to nothing within UnknownNameRetryInterval).
    /// Costs the caller a set insertion: resolving and looking up happen in the round.
    /// </summary>
    public void Want(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (IsModelHash(model))
        {
            lock (_gate)
            {
                if (_wanted.Count + _wantedNames.Count < _options.MaxWanted)
                    _wanted.Add(model);
            }
            return;
        }
        if (_hashesNamed is null || model.Length is 0 or > MaxNameLength)
            return;
        lock (_gate)
        {
            if (_unknownNames.TryGetValue(model, out var since) && _time.GetUtcNow() - since < _options.UnknownNameRetryInterval)
                return;
            if (_wanted.Count + _wantedNames.Count < _options.MaxWanted)
                _wantedNames.Add(model);
        }
    }

    /// <summary>Longest model name resolved (longer ones are no model's name).</summary>
    public const int MaxNameLength = 256;

    /// <summary>One round over the wanted models and <paramref name="routed"/>; returns how many statuses it recorded.</summary>
    public async Task<int> RunRoundAsync(IEnumerable<string> routed, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(routed);
        var now = _time.GetUtcNow();
        var named = ResolveWantedNames(now);
        List<string> models;
        lock (_gate)
        {
            foreach (var stale in _lastLookup.Where(e => now - e.Value >= _options.ModelLookupInterval).Select(e => e.Key).ToList())
                _lastLookup.Remove(stale);
            models = [.. _wanted.Concat(named).Concat(routed.Where(IsModelHash)).Distinct(StringComparer.Ordinal)
                .Where(m => !_lastLookup.ContainsKey(m))
                .Take(_options.MaxModelsPerRound)];
            foreach (var model in models)
            {
                _wanted.Remove(model);
                _lastLookup[model] = now;
            }
        }
        var recorded = 0;
        foreach (var model in models)
            recorded += await DiscoverAsync(model, ct).ConfigureAwait(false);
        return recorded;
    }

    // Up to MaxModelsPerRound wanted names, resolved outside the lock (the resolver may read the ledger); a name with no
    // hash is remembered as unknown (at most MaxWanted * 16 names: past that, expired ones are dropped, then new ones).
    private List<string> ResolveWantedNames(DateTimeOffset now)
    {
        if (_hashesNamed is null) return [];
        List<string> names;
        lock (_gate)
        {
            names = [.. _wantedNames.Take(_options.MaxModelsPerRound)];
            foreach (var name in names) _wantedNames.Remove(name);
        }
        var hashes = new List<string>();
        foreach (var name in names)
        {
            var resolved = _hashesNamed(name).Where(IsModelHash).Take(RoutingTable.MaxHashesPerName).ToList();
            if (resolved.Count > 0)
            {
                Interlocked.Increment(ref _namesResolved);
                _logger.LogDebug("Model name {Name} stands for {Hashes}", name, string.Join(", ", resolved));
                hashes.AddRange(resolved);
                continue;
            }
            Interlocked.Increment(ref _namesUnknown);
            lock (_gate)
            {
                var capacity = _options.MaxWanted * 16;
                if (_unknownNames.Count >= capacity)
                {
                    foreach (var expired in _unknownNames.Where(e => now - e.Value >= _options.UnknownNameRetryInterval).Select(e => e.Key).ToList())
                        _unknownNames.Remove(expired);
                }
                if (_unknownNames.Count < capacity || _unknownNames.ContainsKey(name))
                    _unknownNames[name] = now;
            }
        }
        return hashes;
    }

    private async Task<int> DiscoverAsync(string model, CancellationToken ct)
    {
        IReadOnlyList<KademliaPeer> providers;
        Interlocked.Increment(ref _lookups);
        using (var lookup = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            lookup.CancelAfter(_options.RequestTimeout);
            try
            {
                providers = await _dht.FindProvidersAsync(model, _options.MaxProvidersPerModel, lookup.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                _logger.LogDebug("Provider lookup of {Model} timed out", model);
                return 0;
            }
        }
        var unknown = providers.Where(p => p.Id != _host.PeerId && !_known(p.Id)).Take(_options.MaxProvidersPerModel).ToList();
        if (unknown.Count == 0)
            return 0;
        using var slots = new SemaphoreSlim(_options.MaxConcurrentFetches);
        var results = await Task.WhenAll(unknown.Select(async provider =>
        {
            await slots.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                return await FetchAsync(model, provider, ct).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);
        return results.Count(ok => ok);
    }

    private async Task<bool> FetchAsync(string model, KademliaPeer provider, CancellationToken ct)
    {
        using var fetch = CancellationTokenSource.CreateLinkedTokenSource(ct);
        fetch.CancelAfter(_options.RequestTimeout);
        byte[] answer;
        try
        {
            if (provider.Addresses.Count > 0)
                _host.PeerStore.AddAddresses(provider.Id, provider.Addresses);
            var connection = await _host.ConnectAsync(provider.Id, fetch.Token).ConfigureAwait(false);
            answer = await NodeStatusProtocol.RequestAsync(connection, _validator.Limits.MaxBytes, fetch.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DialException or InvalidDataException or IOException or ProtocolNotSupportedException or ObjectDisposedException or InvalidOperationException
                                      || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            _logger.LogDebug("No status from {Provider}, a provider of {Model}: {Reason}", provider.Id, model, e.Message);
            return false;
        }
        var verdict = _validator.Validate(answer, _time.GetUtcNow());
        if (verdict.Status is not { } status || status.Node != provider.Id)
        {
            _logger.LogDebug("Refused the status {Provider} sent: {Reason}", provider.Id, verdict.Status is null ? verdict.Reason : $"it is {verdict.Status.Node}'s");
            return false;
        }
        if (_record(status) is { } notRecorded)
        {
            _logger.LogDebug("Status of {Provider} not recorded: {Reason}", provider.Id, notRecorded);
            return false;
        }
        Interlocked.Increment(ref _recorded);
        _logger.LogInformation("Found {Provider} serving {Model} through the DHT", provider.Id, model);
        return true;
    }

    private static bool IsModelHash(string model)
    {
        try
        {
            ModelProviderKey.For(model);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
