using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Streams;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>
/// AutoNAT v1 on a host. As a server (<see cref="AutoNatServiceOptions.EnableServer"/>): answers dial requests within
/// <see cref="AutoNatServer"/>'s limits, dialling the asker back on a fresh connection, only at its observed IP, and
/// closing that connection once it is proven. As a client: asks directly connected peers that serve AutoNAT to dial us
/// back at our listen and observed addresses, tallies their answers (<see cref="ReachabilityTracker"/>) and raises
/// <see cref="ReachabilityChanged"/>; while public, the addresses servers reached are advertised.
/// </summary>
public sealed class AutoNatService : IPeerService
{
    private readonly PeerHost _host;
    private readonly AutoNatServiceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly ReachabilityTracker _tracker;
    private readonly AutoNatClient _client;
    private readonly AutoNatServer? _server;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly Dictionary<string, ProtocolHandler> _handlers = new(StringComparer.Ordinal);

    /// <summary>Creates the service and adds the addresses AutoNAT confirms to <paramref name="host"/>'s; then add the service itself (<see cref="PeerHost.AddService"/>).</summary>
    public AutoNatService(PeerHost host, AutoNatServiceOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _host = host;
        _options = options;
        _time = host.Options.Time;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
        _tracker = new ReachabilityTracker(options.Client);
        _client = new AutoNatClient(_tracker, Servers, AddressesToTest, AskAsync, _time)
        {
            AskTimeout = options.Server.DialBackTimeout + TimeSpan.FromSeconds(5),
        };
        if (options.EnableServer)
        {
            _server = new AutoNatServer(options.Server);
            _handlers[AutoNatMessages.ProtocolId] = HandleAsync;
        }
        _tracker.StatusChanged += OnStatusChanged;
        host.AddAddressSource(() => _tracker.Status == Reachability.Public ? _tracker.ConfirmedAddresses(_time.GetUtcNow()) : []);
        host.Identify.PeerIdentified += OnPeerIdentified;
    }

    public IReadOnlyDictionary<string, ProtocolHandler> Handlers => _handlers;

    /// <summary>What the dial-backs say of us so far.</summary>
    public Reachability Reachability => _tracker.Status;

    /// <summary>How firmly the answers back <see cref="Reachability"/> (0 to the confirmations wanted).</summary>
    public int Confidence => _tracker.Confidence(_time.GetUtcNow());

    /// <summary>Addresses servers reached us at (live answers only).</summary>
    public IReadOnlyList<Multiaddress> ConfirmedAddresses => _tracker.ConfirmedAddresses(_time.GetUtcNow());

    /// <summary>Dial requests this server has answered, whatever the answer.</summary>
    public long RequestsServed => Interlocked.Read(ref _requestsServed);

    private long _requestsServed;
    private long _dialBacksSucceeded;
    private long _dialBacksFailed;

    /// <summary>Dial-backs made for askers (as a server) that reached them: we told them OK.</summary>
    public long DialBacksSucceeded => Interlocked.Read(ref _dialBacksSucceeded);

    /// <summary>Dial-backs made for askers (as a server) that did not reach them: we told them E_DIAL_ERROR.</summary>
    public long DialBacksFailed => Interlocked.Read(ref _dialBacksFailed);

    /// <summary>Raised (on a pool thread) when <see cref="Reachability"/> changes.</summary>
    public event Action<Reachability>? ReachabilityChanged;

    public void OnStarted()
    {
        if (_options.EnableClient)
            _tasks.Run("autonat probes", ProbeLoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        _host.Identify.PeerIdentified -= OnPeerIdentified;
        _tracker.StatusChanged -= OnStatusChanged;
        await _tasks.DisposeAsync().ConfigureAwait(false);
        _wake.Dispose();
    }

    private void OnStatusChanged(Reachability status)
    {
        _logger.LogInformation("Reachability is now {Reachability} (AutoNAT)", status);
        ReachabilityChanged?.Invoke(status);
        _host.NotifyAddressesChanged();
    }

    private void OnPeerIdentified(object? sender, IdentifyResult result)
    {
        if (result.Protocols.Contains(AutoNatMessages.ProtocolId, StringComparer.Ordinal))
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

    private async Task ProbeLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var evidence = await _client.ProbeAsync(ct).ConfigureAwait(false);
            if (evidence > 0)
                _logger.LogDebug("AutoNAT round: {Evidence} answers; reachability {Reachability}", evidence, _tracker.Status);
            try
            {
                await _wake.WaitAsync(_options.CheckInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Directly connected peers that serve AutoNAT (a relayed connection cannot be dialled back).</summary>
    private IReadOnlyList<PeerId> Servers() =>
    [
        .. _host.Connections.Where(c => !c.IsRelayed).Select(c => c.RemotePeer).Distinct()
            .Where(p => _host.PeerStore.Get(p)?.Protocols.Contains(AutoNatMessages.ProtocolId, StringComparer.Ordinal) == true),
    ];

    /// <summary>Our direct addresses: what we listen on (or announce) and where peers observe us.</summary>
    private IReadOnlyList<Multiaddress> AddressesToTest() =>
    [
        .. _host.AdvertisedAddresses.Where(a => !Addressing.AddressScope.IsRelayed(a)).Concat(_host.ObservedAddresses).Distinct(),
    ];

    private async Task<AutoNatDialResponse> AskAsync(PeerId server, IReadOnlyList<Multiaddress> addresses, CancellationToken ct)
    {
        if (_host.FindConnection(server) is not { IsRelayed: false } connection)
            throw new DialException(DialFailureReason.Unreachable, $"no direct connection to {server}");
        await using var stream = await connection.OpenStreamAsync(AutoNatMessages.ProtocolId, ct).ConfigureAwait(false);
        return await AutoNatProtocol.AskAsync(stream.Stream, _host.PeerId, addresses, ct).ConfigureAwait(false);
    }

    private async Task HandleAsync(ProtocolStream stream, CancellationToken ct)
    {
        var connection = stream.Connection;
        var asker = connection.RemotePeer;
        var admission = await AutoNatProtocol.ServeAsync(stream.Stream, _server!, asker, connection.RemoteAddress, connection.IsRelayed,
            (target, token) => DialBackAsync(asker, target, token), _time, ct).ConfigureAwait(false);
        Interlocked.Increment(ref _requestsServed);
        _logger.LogDebug("AutoNAT request from {Asker}: {Admission}", asker, admission.Response is null ? "dialled back" : "refused");
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Dials <paramref name="asker"/> at <paramref name="target"/> on a fresh connection, which only proves the address and is closed.</summary>
    private async Task<bool> DialBackAsync(PeerId asker, Multiaddress target, CancellationToken ct)
    {
        Connection connection;
        try
        {
            connection = await _host.DialAsync(target.WithPeerId(asker), new DialOptions { ForceNewConnection = true }, ct).ConfigureAwait(false);
        }
        catch (DialException e)
        {
            _logger.LogDebug("AutoNAT dial-back to {Target} failed: {Reason}", target, e.Message);
            Interlocked.Increment(ref _dialBacksFailed);
            return false;
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        Interlocked.Increment(ref _dialBacksSucceeded);
        return true;
    }
}
