using System.Diagnostics.Metrics;
using System.Net;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multiaddr;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// The host's resource manager, after go-libp2p's: every connection, stream and reservation counts against a chain of
/// scopes (the system; transient until attributed; the peer; the IP or IPv6 /64, outside the exempt networks; the
/// protocol and the protocol for that peer; the service and the service for that peer; the connection itself), and is
/// granted only if every one of them stays within its limit (see <see cref="ResourceManagerOptions"/>). A refusal is
/// counted (<c>cerebrum.network.resource.refusals</c>) and logged at debug level; the host then refuses the connection
/// or resets the stream. Every grant is taken back exactly once, when its scope is disposed.
/// </summary>
/// <remarks>
/// One lock guards all accounting: each call touches a handful of counters (a chain is at most eight scopes long), so
/// contention costs less than ordering many locks would, and a chain is checked and changed atomically.
/// </remarks>
public sealed class ResourceManager : IResourceManager
{
    private readonly Lock _sync = new();
    private readonly ResourceLimitSet _limits;
    private readonly IReadOnlyList<IPNetwork> _exempt;
    private readonly ResourceScope _system;
    private readonly ResourceScope _transient;
    private readonly Dictionary<ScopeKey, ResourceScope> _keyed = [];
    private readonly ResourceMetrics? _metrics;
    private readonly ILogger _logger;

    /// <param name="meterFactory">Publishes the <c>cerebrum.network.resource.*</c> metrics; null publishes none.</param>
    public ResourceManager(ResourceManagerOptions options, IMeterFactory? meterFactory = null, ILogger<ResourceManager>? logger = null)
        : this(options, ResourceMetrics.Create(meterFactory), logger ?? NullLogger<ResourceManager>.Instance)
    {
    }

    internal ResourceManager(ResourceManagerOptions options, ResourceMetrics? metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _limits = options.Resolve();
        _exempt = options.ExemptNetworks;
        _system = new ResourceScope(ResourceScopeKind.System, "system", _limits.System);
        _transient = new ResourceScope(ResourceScopeKind.Transient, "transient", _limits.Transient);
        _metrics = metrics;
        _logger = logger;
        metrics?.Watch(Usage);
    }

    /// <summary>The limits in force.</summary>
    public ResourceLimitSet Limits => _limits;

    /// <summary>What each kind of scope holds now.</summary>
    public IReadOnlyList<ResourceUsage> Usage()
    {
        lock (_sync)
        {
            var usage = new List<ResourceUsage> { Of(_system), Of(_transient) };
            foreach (var kind in (ResourceScopeKind[])[ResourceScopeKind.Peer, ResourceScopeKind.Ip, ResourceScopeKind.Protocol,
                         ResourceScopeKind.ProtocolPeer, ResourceScopeKind.Service, ResourceScopeKind.ServicePeer])
            {
                var scopes = _keyed.Values.Where(s => s.Kind == kind).ToArray();
                usage.Add(new ResourceUsage(kind, scopes.Length,
                    scopes.Select(s => s.ConnectionsInbound).DefaultIfEmpty().Max(), scopes.Select(s => s.ConnectionsOutbound).DefaultIfEmpty().Max(),
                    scopes.Select(s => s.StreamsInbound).DefaultIfEmpty().Max(), scopes.Select(s => s.StreamsOutbound).DefaultIfEmpty().Max(),
                    scopes.Select(s => s.Memory).DefaultIfEmpty().Max()));
            }
            return usage;
        }

        static ResourceUsage Of(ResourceScope scope) => new(scope.Kind, 1, scope.ConnectionsInbound, scope.ConnectionsOutbound,
            scope.StreamsInbound, scope.StreamsOutbound, scope.Memory);
    }

    /// <summary>What <paramref name="peer"/> holds now (zeros when nothing).</summary>
    public ResourceUsage PeerUsage(PeerId peer)
    {
        lock (_sync)
        {
            return _keyed.TryGetValue(new ScopeKey(ResourceScopeKind.Peer, peer), out var scope)
                ? new ResourceUsage(ResourceScopeKind.Peer, 1, scope.ConnectionsInbound, scope.ConnectionsOutbound, scope.StreamsInbound, scope.StreamsOutbound, scope.Memory)
                : new ResourceUsage(ResourceScopeKind.Peer, 0, 0, 0, 0, 0, 0);
        }
    }

    public IConnectionScope? OpenConnection(ConnectionDirection direction, Multiaddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var ip = RemoteIp.Of(remote);
        var counted = ip is { } r && !r.IsIn(_exempt) ? r : (RemoteIp?)null;
        lock (_sync)
        {
            var own = new ResourceScope(ResourceScopeKind.Connection, $"connection {direction} {remote}", _limits.Connection);
            var ipScope = counted is { } c ? Acquire(ResourceScopeKind.Ip, c.Group, $"ip {c}", _limits.Ip) : null;
            var scope = new ConnectionResourceScope(this, own, direction, ipScope) { Chain = ChainOf(own, _system, _transient, ipScope) };
            var delta = ResourceDelta.Connection(direction == ConnectionDirection.Inbound);
            if (!TryApply(scope.Chain, delta, ReservationPriority.Always))
            {
                if (ipScope is not null) ReleaseReference(ipScope);
                return null;
            }
            scope.Contribution = delta;
            return scope;
        }
    }

    public IServiceScope OpenServiceScope(string service, PeerId? peer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        lock (_sync)
        {
            var own = new ResourceScope(ResourceScopeKind.ServiceMemory, $"service {service} memory{(peer is null ? "" : $" for {peer}")}", ScopeLimit.Unlimited);
            var serviceScope = Acquire(ResourceScopeKind.Service, service, $"service {service}", _limits.ForService(service));
            ResourceScope? servicePeer = null, peerScope = null;
            if (peer is not null)
            {
                servicePeer = Acquire(ResourceScopeKind.ServicePeer, (service, peer), $"service {service} for {peer}", _limits.ForServicePeer(service));
                peerScope = Acquire(ResourceScopeKind.Peer, peer, $"peer {peer}", _limits.Peer);
            }
            return new ServiceResourceScope(this, own) { Chain = ChainOf(own, _system, serviceScope, servicePeer, peerScope) };
        }
    }

    internal bool SetPeer(ConnectionResourceScope connection, PeerId peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_sync)
        {
            if (connection.Disposed || connection.Peer is not null)
                return !connection.Disposed && connection.Peer == peer;
            var peerScope = Acquire(ResourceScopeKind.Peer, peer, $"peer {peer}", _limits.Peer);
            if (!TryMove(connection, ChainOf(connection.Own, _system, peerScope, connection.Ip)))
            {
                ReleaseReference(peerScope);
                return false;
            }
            connection.Peer = peer;
            return true;
        }
    }

    internal IStreamScope? OpenStream(ConnectionResourceScope connection, ConnectionDirection direction)
    {
        lock (_sync)
        {
            // Streams exist only on secured connections: the peer is known before the muxer runs.
            if (connection.Disposed || connection.Peer is null)
                return null;
            var own = new ResourceScope(ResourceScopeKind.Stream, $"{direction} stream of {connection.Peer}", _limits.Stream);
            var stream = new StreamResourceScope(this, own, connection, direction) { Chain = ChainOf([own, .. connection.Chain, _transient]) };
            var delta = ResourceDelta.Stream(direction == ConnectionDirection.Inbound);
            if (!TryApply(stream.Chain, delta, ReservationPriority.Always))
                return null;
            stream.Contribution = delta;
            foreach (var scope in stream.Chain)
            {
                if (scope.Key is not null) scope.References++;
            }
            return stream;
        }
    }

    internal bool SetProtocol(StreamResourceScope stream, string protocol)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(protocol);
        lock (_sync)
        {
            if (stream.Disposed || stream.Protocol is not null)
                return !stream.Disposed && stream.Protocol == protocol;
            var peer = stream.Connection.Peer!;
            var protocolScope = Acquire(ResourceScopeKind.Protocol, protocol, $"protocol {protocol}", _limits.ForProtocol(protocol));
            var protocolPeer = Acquire(ResourceScopeKind.ProtocolPeer, (protocol, peer), $"protocol {protocol} for {peer}", _limits.ForProtocolPeer(protocol));
            if (!TryMove(stream, ChainOf([.. stream.Chain.Where(s => s != _transient), protocolScope, protocolPeer])))
            {
                ReleaseReference(protocolScope);
                ReleaseReference(protocolPeer);
                return false;
            }
            stream.Protocol = protocol;
            return true;
        }
    }

    internal bool SetService(StreamResourceScope stream, string service)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        lock (_sync)
        {
            if (stream.Disposed || stream.Service is not null)
                return !stream.Disposed && stream.Service == service;
            var peer = stream.Connection.Peer!;
            var serviceScope = Acquire(ResourceScopeKind.Service, service, $"service {service}", _limits.ForService(service));
            var servicePeer = Acquire(ResourceScopeKind.ServicePeer, (service, peer), $"service {service} for {peer}", _limits.ForServicePeer(service));
            if (!TryMove(stream, ChainOf([.. stream.Chain, serviceScope, servicePeer])))
            {
                ReleaseReference(serviceScope);
                ReleaseReference(servicePeer);
                return false;
            }
            stream.Service = service;
            return true;
        }
    }

    internal bool Reserve(ResourceLeaf leaf, long bytes, ReservationPriority priority)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes == 0)
            return true;
        lock (_sync)
        {
            if (leaf.Disposed)
                return false;
            var delta = ResourceDelta.OfMemory(bytes);
            if (!TryApply(leaf.Chain, delta, priority))
                return false;
            leaf.Contribution = leaf.Contribution.Plus(delta);
            return true;
        }
    }

    internal void Release(ResourceLeaf leaf, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_sync)
        {
            // After disposal everything was released already.
            if (leaf.Disposed || bytes == 0)
                return;
            if (bytes > leaf.Contribution.Memory)
            {
                _logger.LogWarning("{Scope} released {Bytes} bytes but holds only {Held}; releasing what it holds", leaf, bytes, leaf.Contribution.Memory);
                bytes = leaf.Contribution.Memory;
            }
            var delta = ResourceDelta.OfMemory(-bytes);
            foreach (var scope in leaf.Chain)
                scope.Apply(delta);
            leaf.Contribution = leaf.Contribution.Plus(delta);
        }
    }

    internal void Close(ResourceLeaf leaf)
    {
        lock (_sync)
        {
            if (leaf.Disposed)
                return;
            leaf.Disposed = true;
            var taken = leaf.Contribution.Negated();
            foreach (var scope in leaf.Chain)
            {
                scope.Apply(taken);
                if (scope.Key is not null) ReleaseReference(scope);
            }
            leaf.Contribution = default;
        }
    }

    /// <summary>Checks <paramref name="delta"/> against every scope of the chain and applies it only if all take it.</summary>
    private bool TryApply(ResourceScope[] chain, ResourceDelta delta, ReservationPriority priority)
    {
        foreach (var scope in chain)
        {
            if (scope.Exceeds(delta, priority) is { } resource)
            {
                Refuse(scope, resource);
                return false;
            }
        }
        foreach (var scope in chain)
            scope.Apply(delta);
        return true;
    }

    /// <summary>
    /// Moves what a leaf holds to a new chain (a peer proven, a protocol agreed): the scopes it joins must take all of
    /// it, those it leaves give it back. The caller acquired the joined keyed scopes; the left ones are released here.
    /// </summary>
    private bool TryMove(ResourceLeaf leaf, ResourceScope[] chain)
    {
        var held = leaf.Contribution;
        foreach (var scope in chain)
        {
            if (!leaf.Chain.Contains(scope) && scope.Exceeds(held, ReservationPriority.Always) is { } resource)
            {
                Refuse(scope, resource);
                return false;
            }
        }
        foreach (var scope in leaf.Chain)
        {
            if (chain.Contains(scope)) continue;
            scope.Apply(held.Negated());
            if (scope.Key is not null) ReleaseReference(scope);
        }
        foreach (var scope in chain)
        {
            if (!leaf.Chain.Contains(scope)) scope.Apply(held);
        }
        leaf.Chain = chain;
        return true;
    }

    private void Refuse(ResourceScope scope, string resource)
    {
        _metrics?.Refused(scope.Kind, resource);
        _logger.LogDebug("Resource manager refused {Resource} in {Scope} (limit: {Limit})", resource, scope, scope.Limit);
    }

    /// <summary>The keyed scope of <paramref name="subject"/>, created on first use, with one more reference.</summary>
    private ResourceScope Acquire(ResourceScopeKind kind, object subject, string name, ScopeLimit limit)
    {
        var key = new ScopeKey(kind, subject);
        if (!_keyed.TryGetValue(key, out var scope))
            _keyed[key] = scope = new ResourceScope(kind, name, limit, key);
        scope.References++;
        return scope;
    }

    private void ReleaseReference(ResourceScope scope)
    {
        if (--scope.References > 0)
            return;
        if (!scope.IsEmpty)
            _logger.LogWarning("Resource scope {Scope} has no users left but still holds resources", scope);
        _keyed.Remove((ScopeKey)scope.Key!);
    }

    private static ResourceScope[] ChainOf(params ReadOnlySpan<ResourceScope?> scopes)
    {
        var chain = new List<ResourceScope>(scopes.Length);
        foreach (var scope in scopes)
        {
            if (scope is not null && !chain.Contains(scope)) chain.Add(scope);
        }
        return [.. chain];
    }

    private readonly record struct ScopeKey(ResourceScopeKind Kind, object Subject);
}
