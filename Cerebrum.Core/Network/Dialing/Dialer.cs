using System.Collections.Concurrent;
using System.Net.Sockets;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Addressing;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Core.Network.Peers;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Transport;
using Cerebrum.Core.Network.Upgrading;

namespace Cerebrum.Core.Network.Dialing;

/// <summary>
/// Outbound connections, as go-libp2p's swarm dials: reuses a live connection to the peer, deduplicates concurrent
/// dials of one target into one attempt, backs off a target after failures, and otherwise dials through the first
/// transport that takes the address, upgrades the raw connection and adds it to the connection manager. Every failure
/// is a <see cref="DialException"/> with its reason.
/// </summary>
internal sealed class Dialer
{
    private readonly ConcurrentDictionary<string, Lazy<Task<Connection>>> _pending = new(StringComparer.Ordinal);
    private readonly PeerHostOptions _options;
    private readonly TransportSet _transports;
    private readonly ConnectionUpgrader _upgrader;
    private readonly ConnectionManager _connections;
    private readonly PeerStore _peerStore;
    private readonly IResourceManager _resources;
    private readonly DialBackoff _backoff;
    private readonly CancellationToken _stopping;

    /// <param name="stopping">Cancelled when the host's background work stops: ends dials in flight.</param>
    public Dialer(PeerHostOptions options, TransportSet transports, ConnectionUpgrader upgrader, ConnectionManager connections,
        IResourceManager resources, PeerStore peerStore, CancellationToken stopping)
    {
        _options = options;
        _transports = transports;
        _upgrader = upgrader;
        _connections = connections;
        _peerStore = peerStore;
        _resources = resources;
        _backoff = new DialBackoff(options.DialBackoffBase, options.DialBackoffMax, options.Time);
        _stopping = stopping;
    }

    /// <summary>
    /// Dials <paramref name="address"/> (which may end in /p2p/&lt;id&gt;, then the handshake must prove that ID),
    /// reusing an existing connection to that peer when there is one, unless <paramref name="options"/> force a new one.
    /// </summary>
    /// <exception cref="DialException">With the reason the dial failed.</exception>
    public Task<Connection> DialAsync(Multiaddress address, DialOptions options, CancellationToken ct) => DialAsync(address, options, checkBackoff: true, ct);

    /// <param name="checkBackoff">False for the second and later addresses of one <see cref="ConnectAsync"/>: the first one's failure must not bar the others.</param>
    private async Task<Connection> DialAsync(Multiaddress address, DialOptions options, bool checkBackoff, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(options);
        if (_connections.IsStopped)
            throw new DialException(DialFailureReason.HostStopped, "the host is stopped");
        var transport = _transports.ForDialing(address)
            ?? throw new DialException(DialFailureReason.InvalidAddress, $"cannot dial '{address}': expected /ip4, /ip6, /dns, /dns4 or /dns6 with /tcp, or a /p2p-circuit address");
        var expected = address.PeerId;
        if (expected == _options.Identity.PeerId)
            throw new DialException(DialFailureReason.DialSelf, "refusing to dial our own peer ID");
        if (expected is not null && _connections.IsBanned(expected))
            throw new DialException(DialFailureReason.Banned, $"{expected} is banned");
        if (options.ForceNewConnection)
        {
            // A forced dial (a hole punch, a dial-back) is one attempt at one address: not shared, not backed off.
            return await DialCoreAsync(transport, address, expected, options).WaitAsync(ct).ConfigureAwait(false);
        }
        if (expected is not null && _connections.Find(expected) is { } existing)
            return existing;

        var key = expected?.ToString() ?? address.ToString();
        if (checkBackoff && _backoff.RemainingFor(key) is { } remaining)
            throw new DialException(DialFailureReason.Backoff, $"dialing {key} is backed off for another {remaining.TotalSeconds:0.#} s after recent failures");

        var dial = _pending.GetOrAdd(key, k => new Lazy<Task<Connection>>(() => DialOnceAsync(transport, address, expected, k, options)));
        return await dial.Value.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Returns a live connection to <paramref name="peer"/>, dialing its known addresses in turn when needed.</summary>
    /// <exception cref="DialException">No address is known, or the last one tried failed for this reason.</exception>
    public async Task<Connection> ConnectAsync(PeerId peer, CancellationToken ct)
    {
        if (_connections.Find(peer) is { } existing)
            return existing;
        var addresses = _peerStore.Get(peer)?.Addresses ?? [];
        if (addresses.Count == 0)
            throw new DialException(DialFailureReason.Unreachable, $"no known address for {peer}");
        DialException? last = null;
        // Direct addresses first: a relayed connection costs a relay's bandwidth and is there for when nothing else works.
        foreach (var address in addresses.OrderBy(AddressScope.IsRelayed))
        {
            try
            {
                return await DialAsync(address.WithPeerId(peer), DialOptions.Default, checkBackoff: last is null, ct).ConfigureAwait(false);
            }
            catch (DialException e)
            {
                last = e;
            }
        }
        throw last!;
    }

    private async Task<Connection> DialOnceAsync(ITransport transport, Multiaddress address, PeerId? expected, string key, DialOptions options)
    {
        try
        {
            var connection = await DialCoreAsync(transport, address, expected, options).ConfigureAwait(false);
            _backoff.RecordSuccess(key);
            return connection;
        }
        catch (DialException e) when (e.Reason is not DialFailureReason.ConnectionLimit and not DialFailureReason.HostStopped and not DialFailureReason.Banned)
        {
            _backoff.RecordFailure(key);
            throw;
        }
        finally
        {
            _pending.TryRemove(key, out _);
        }
    }

    private async Task<Connection> DialCoreAsync(ITransport transport, Multiaddress address, PeerId? expected, DialOptions options)
    {
        if (!_connections.MakeRoom())
            throw new DialException(DialFailureReason.ConnectionLimit, $"connection limit of {_options.MaxConnections} reached");
        var scope = _resources.OpenConnection(ConnectionDirection.Outbound, address.WithoutPeerId())
            ?? throw new DialException(DialFailureReason.ConnectionLimit, $"the resource manager refused a connection to {address}");

        Connection? connection = null;
        try
        {
            var raw = await OpenAsync(transport, address, options).ConfigureAwait(false);
            // The role is the handshake's, which a hole punch's dial may take as the responder.
            using var deadline = _upgrader.StartHandshake(options.Role, _stopping);
            try
            {
                connection = await _upgrader.UpgradeAsync(raw, options.Role, expected, scope, deadline).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                await raw.DisposeAsync().ConfigureAwait(false);
                throw UpgradeFailure(e, address, deadline);
            }
        }
        finally
        {
            if (connection is null) scope.Dispose();
        }

        switch (_connections.TryAdd(connection))
        {
            case ConnectionRegistration.Banned:
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new DialException(DialFailureReason.Banned, $"{connection.RemotePeer} is banned");
            case ConnectionRegistration.Stopping:
                await connection.DisposeAsync().ConfigureAwait(false);
                throw new DialException(DialFailureReason.HostStopped, "the host is stopping");
        }
        _peerStore.AddAddresses(connection.RemotePeer, [address]);
        return connection;
    }

    /// <summary>The transport's raw connection, within the dial timeout.</summary>
    private async Task<TransportConnection> OpenAsync(ITransport transport, Multiaddress address, DialOptions options)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping);
        timeout.CancelAfter(_options.DialTimeout);
        try
        {
            return await transport.DialAsync(address, options, timeout.Token).ConfigureAwait(false);
        }
        catch (DialException)
        {
            throw; // a transport that dials through others (a relay) says why itself
        }
        catch (Exception e) when (e is SocketException or IOException or InvalidDataException)
        {
            throw new DialException(DialFailureReason.Unreachable, $"{address} is unreachable: {e.Message}", e);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            throw new DialException(DialFailureReason.HostStopped, "the host is stopping");
        }
        catch (OperationCanceledException e)
        {
            throw new DialException(DialFailureReason.Timeout, $"connecting to {address} timed out after {_options.DialTimeout.TotalSeconds:0.#} s", e);
        }
    }

    private DialException UpgradeFailure(Exception e, Multiaddress address, HandshakeDeadline deadline) => e switch
    {
        PeerIdMismatchException n => new DialException(DialFailureReason.PeerIdMismatch, n.Message, n),
        ProtocolNotSupportedException p => new DialException(DialFailureReason.NegotiationFailed, $"{address} does not support {p.Message}", p),
        ResourceLimitExceededException r => new DialException(DialFailureReason.ConnectionLimit, r.Message, r),
        OperationCanceledException when _stopping.IsCancellationRequested => new DialException(DialFailureReason.HostStopped, "the host is stopping"),
        OperationCanceledException => new DialException(DialFailureReason.Timeout, $"handshake with {address} timed out: {deadline.Reason}", e),
        _ => new DialException(DialFailureReason.HandshakeFailed, $"handshake with {address} failed: {e.Message}", e),
    };
}
