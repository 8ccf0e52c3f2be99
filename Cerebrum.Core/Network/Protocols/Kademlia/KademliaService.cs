using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Streams;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// The Kademlia DHT on a host: a <see cref="KademliaNode"/> whose requests go out on a stream each (connecting to the
/// peer through the host when needed), whose routing table takes the peers identify says serve the DHT, and which, as
/// a server (<see cref="KademliaServiceOptions.Server"/>), answers others' requests. Peers and addresses the answers
/// name go into the host's peer store, so the next hop of a lookup can be dialled. Models are announced and found by
/// their hash (<see cref="ModelProviderKey"/>).
/// </summary>
public sealed class KademliaService : IPeerService
{
    private readonly PeerHost _host;
    private readonly KademliaServiceOptions _options;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<string, ProtocolHandler> _handlers = new(StringComparer.Ordinal);
    private int _servers;
    private bool _serving;

    /// <summary>Creates the service; then add it to <paramref name="host"/> (<see cref="PeerHost.AddService"/>).</summary>
    public KademliaService(PeerHost host, KademliaServiceOptions options, ILogger logger, IEnumerable<IRecordValidator>? validators = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _host = host;
        _options = options;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
        var core = new KademliaCore(host.PeerId, options.Dht, AddressesOf, validators);
        Node = new KademliaNode(core, SendAsync, () => host.AdvertisedAddresses, host.Options.Time);
        _serving = options.Server;
        if (options.Server)
            _handlers[options.Dht.ProtocolId] = HandleAsync;
        host.Identify.PeerIdentified += OnPeerIdentified;
        host.AddressesChanged += OnAddressesChanged;
    }

    public IReadOnlyDictionary<string, ProtocolHandler> Handlers => _handlers;

    /// <summary>The running DHT node (lookups, the routing table's size, requests sent).</summary>
    public KademliaNode Node { get; }

    public string ProtocolId => _options.Dht.ProtocolId;

    /// <summary>The resource manager's service name for DHT streams (limits under Network:Resources:Services / ServicePeers).</summary>
    public const string ResourceService = "dht";

    /// <summary>
    /// Whether we serve the DHT protocol now (a server) or only use it (a client): a node that finds itself private
    /// stops serving, since peers could not reach it to ask; identify push tells connected peers.
    /// </summary>
    public bool ServeRequests
    {
        get => Volatile.Read(ref _serving);
        set
        {
            if (Volatile.Read(ref _serving) == value)
                return;
            Volatile.Write(ref _serving, value);
            if (value)
                _host.SetHandler(_options.Dht.ProtocolId, HandleAsync);
            else
                _host.RemoveHandler(_options.Dht.ProtocolId);
            _logger.LogInformation("DHT mode: {Mode}", value ? "server" : "client only");
        }
    }

    public void OnStarted() => _tasks.Run("dht upkeep", MaintainLoopAsync);

    public async ValueTask DisposeAsync()
    {
        _host.Identify.PeerIdentified -= OnPeerIdentified;
        _host.AddressesChanged -= OnAddressesChanged;
        await _tasks.DisposeAsync().ConfigureAwait(false);
        _wake.Dispose();
    }

    /// <summary>Nodes that announced <paramref name="modelHash"/> (<c>sha256:…</c>), with their addresses; at most <paramref name="wanted"/> when it is positive.</summary>
    /// <exception cref="FormatException">Not a model hash.</exception>
    public async Task<IReadOnlyList<KademliaPeer>> FindProvidersAsync(string modelHash, int wanted, CancellationToken ct)
    {
        var providers = await Node.FindProvidersAsync(ModelProviderKey.For(modelHash), wanted, ct).ConfigureAwait(false);
        foreach (var provider in providers)
            Remember(provider);
        return providers;
    }

    /// <summary>Where <paramref name="peer"/> can be reached, as the DHT knows it; null when not found.</summary>
    public async Task<KademliaPeer?> FindPeerAsync(PeerId peer, CancellationToken ct)
    {
        if (peer == _host.PeerId)
            return new KademliaPeer(peer, _host.AdvertisedAddresses);
        var found = await Node.FindPeerAsync(peer, ct).ConfigureAwait(false);
        if (found is not null)
            Remember(found);
        return found;
    }

    /// <summary>Announces that we serve <paramref name="modelHash"/> and keeps the record republished; returns on how many peers it was stored now.</summary>
    /// <exception cref="FormatException">Not a model hash.</exception>
    public Task<int> ProvideAsync(string modelHash, CancellationToken ct) => Node.ProvideAsync(ModelProviderKey.For(modelHash), ct);

    /// <summary>Announces <paramref name="modelHash"/> from now on: published at the next upkeep (at once when DHT peers are known), then republished.</summary>
    /// <exception cref="FormatException">Not a model hash.</exception>
    public void Provide(string modelHash)
    {
        Node.StartProviding(ModelProviderKey.For(modelHash));
        Wake();
    }

    public void StopProviding(string modelHash) => Node.StopProviding(ModelProviderKey.For(modelHash));

    private IReadOnlyList<Multiaddress> AddressesOf(PeerId peer) =>
        peer == _host.PeerId ? _host.AdvertisedAddresses : _host.PeerStore.Get(peer)?.Addresses ?? [];

    private void Remember(KademliaPeer peer)
    {
        if (peer.Id != _host.PeerId && peer.Addresses.Count > 0)
            _host.PeerStore.AddAddresses(peer.Id, peer.Addresses);
    }

    /// <summary>Our records name our addresses (a new relay reservation, say): publish them again now, not at the next republish.</summary>
    private void OnAddressesChanged(object? sender, EventArgs e)
    {
        Node.RepublishAll();
        Wake();
    }

    private void OnPeerIdentified(object? sender, IdentifyResult result)
    {
        if (!result.Protocols.Contains(_options.Dht.ProtocolId, StringComparer.Ordinal))
            return;
        Node.AddServer(result.PeerId);
        // The first servers: look ourselves up now to fill the routing table, rather than at the next upkeep.
        if (Interlocked.Increment(ref _servers) <= 2)
            Wake();
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
                _wake.Release();
        }
        catch (Exception e) when (e is SemaphoreFullException or ObjectDisposedException)
        {
            // Already signalled, or shutting down.
        }
    }

    private async Task MaintainLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(_options.MaintenanceInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (Node.RoutingTableSize > 0)
                await Node.MaintainAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task<KademliaMessage?> SendAsync(PeerId peer, KademliaMessage request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Dht.RequestTimeout);
        await using var stream = await _host.OpenStreamAsync(peer, [_options.Dht.ProtocolId], timeout.Token).ConfigureAwait(false);
        if (!stream.Resources.SetService(ResourceService))
            throw new Resources.ResourceLimitExceededException($"the resource manager refused the {ResourceService} service a stream to {peer}");
        var answer = await KademliaProtocol.RequestAsync(stream.Stream, request, _options.Dht, timeout.Token).ConfigureAwait(false);
        if (answer is not null)
        {
            foreach (var closer in answer.CloserPeers)
                Remember(closer);
            foreach (var provider in answer.ProviderPeers)
                Remember(provider);
        }
        await stream.CompleteWritesAsync(timeout.Token).ConfigureAwait(false);
        return answer;
    }

    private async Task HandleAsync(ProtocolStream stream, CancellationToken ct)
    {
        var remote = stream.Connection.RemotePeer;
        // DHT streams count against the "dht" service's resource limits (Network:Resources), overall and per peer.
        if (!stream.Resources.SetService(ResourceService))
        {
            _logger.LogDebug("DHT request from {Peer} refused: the resource manager refused the dht service", remote);
            stream.Reset();
            return;
        }
        try
        {
            await KademliaProtocol.ServeAsync(stream.Stream, remote, Node.Handle, _options.Dht, ct).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            _logger.LogDebug("DHT request from {Peer} refused: {Reason}", remote, e.Message);
            stream.Reset();
            return;
        }
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
    }
}
