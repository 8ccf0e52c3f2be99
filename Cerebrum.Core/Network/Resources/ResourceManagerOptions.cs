using System.Net;
using Cerebrum.Core.Network.Protocols.Identify;
using Cerebrum.Core.Network.Protocols.Perf;
using Cerebrum.Core.Network.Protocols.Ping;

namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// The limits of the host's <see cref="ResourceManager"/>, per scope kind (go-libp2p's scopes): the whole host
/// (<see cref="System"/>), what is not yet attributed (<see cref="Transient"/>: connections still handshaking, streams
/// whose protocol is not agreed yet), each peer, each IP (an IPv4 address, an IPv6 /64; see <see cref="RemoteIp"/>),
/// each protocol, each protocol for each peer, each service and each service for each peer, each connection and each
/// stream. Every limit left null takes a default scaled from <see cref="MaxMemory"/> (see <see cref="Resolve"/>);
/// <see cref="Protocols"/>, <see cref="ProtocolPeers"/>, <see cref="Services"/> and <see cref="ServicePeers"/> override
/// the defaults of named protocols and services (ping, identify and perf come with tighter built-in ones).
/// </summary>
public sealed record ResourceManagerOptions
{
    /// <summary>The smallest memory budget the defaults are scaled for.</summary>
    public const long MinimumMaxMemory = 128L << 20;

    /// <summary>
    /// Memory the network may reserve in all (the system scope's memory limit), and what the default limits scale with.
    /// Null: an eighth of the memory this process may use (the machine's, or its container's limit), at least 128 MiB.
    /// </summary>
    public long? MaxMemory { get; init; }

    public ResourceLimits System { get; init; } = new();

    public ResourceLimits Transient { get; init; } = new();

    /// <summary>Each peer (all its connections and streams).</summary>
    public ResourceLimits Peer { get; init; } = new();

    /// <summary>Each IPv4 address or IPv6 /64 (all connections from it, handshaking or not, and what they hold).</summary>
    public ResourceLimits Ip { get; init; } = new();

    /// <summary>Each protocol not listed in <see cref="Protocols"/> (its streams over all peers).</summary>
    public ResourceLimits Protocol { get; init; } = new();

    /// <summary>Each protocol not listed in <see cref="ProtocolPeers"/>, for each peer.</summary>
    public ResourceLimits ProtocolPeer { get; init; } = new();

    /// <summary>Each service not listed in <see cref="Services"/> (streams and memory a service counts as its own).</summary>
    public ResourceLimits Service { get; init; } = new();

    /// <summary>Each service not listed in <see cref="ServicePeers"/>, for each peer.</summary>
    public ResourceLimits ServicePeer { get; init; } = new();

    /// <summary>Each connection (its streams and memory).</summary>
    public ResourceLimits Connection { get; init; } = new();

    /// <summary>Each stream (the memory its protocol handler reserves).</summary>
    public ResourceLimits Stream { get; init; } = new();

    /// <summary>Limits of named protocols (over all peers), over <see cref="Protocol"/>'s.</summary>
    public IReadOnlyDictionary<string, ResourceLimits> Protocols { get; init; } = new Dictionary<string, ResourceLimits>(StringComparer.Ordinal);

    /// <summary>Limits of named protocols for each peer, over <see cref="ProtocolPeer"/>'s.</summary>
    public IReadOnlyDictionary<string, ResourceLimits> ProtocolPeers { get; init; } = new Dictionary<string, ResourceLimits>(StringComparer.Ordinal);

    /// <summary>Limits of named services (over all peers), over <see cref="Service"/>'s.</summary>
    public IReadOnlyDictionary<string, ResourceLimits> Services { get; init; } = new Dictionary<string, ResourceLimits>(StringComparer.Ordinal);

    /// <summary>Limits of named services for each peer, over <see cref="ServicePeer"/>'s.</summary>
    public IReadOnlyDictionary<string, ResourceLimits> ServicePeers { get; init; } = new Dictionary<string, ResourceLimits>(StringComparer.Ordinal);

    /// <summary>
    /// Networks with no per-IP limit (neither the resource manager's <see cref="Ip"/> scope nor the listener's cap on
    /// handshakes per IP): by default loopback, where a devnet's daemons and the tests' hosts all share one address.
    /// </summary>
    public IReadOnlyList<IPNetwork> ExemptNetworks { get; init; } = DefaultExemptNetworks;

    public static IReadOnlyList<IPNetwork> DefaultExemptNetworks { get; } = [IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("::1/128")];

    /// <summary>An eighth of the memory available to this process, at least <see cref="MinimumMaxMemory"/>.</summary>
    public static long DefaultMaxMemory() => Math.Max(MinimumMaxMemory, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 8);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (MaxMemory is < 1 << 20)
            throw new ArgumentException($"{nameof(MaxMemory)}: must be at least 1 MiB, not {MaxMemory}");
        System.Validate(nameof(System));
        Transient.Validate(nameof(Transient));
        Peer.Validate(nameof(Peer));
        Ip.Validate(nameof(Ip));
        Protocol.Validate(nameof(Protocol));
        ProtocolPeer.Validate(nameof(ProtocolPeer));
        Service.Validate(nameof(Service));
        ServicePeer.Validate(nameof(ServicePeer));
        Connection.Validate(nameof(Connection));
        Stream.Validate(nameof(Stream));
        foreach (var (name, limits) in Protocols) limits.Validate($"{nameof(Protocols)}:{name}");
        foreach (var (name, limits) in ProtocolPeers) limits.Validate($"{nameof(ProtocolPeers)}:{name}");
        foreach (var (name, limits) in Services) limits.Validate($"{nameof(Services)}:{name}");
        foreach (var (name, limits) in ServicePeers) limits.Validate($"{nameof(ServicePeers)}:{name}");
        ArgumentNullException.ThrowIfNull(ExemptNetworks);
    }

    /// <summary>
    /// Every limit, concrete: the configured ones over the defaults for a budget of <see cref="MaxMemory"/> (see
    /// <see cref="DefaultResourceLimits"/>), and the named protocols' and services' over their kind's.
    /// </summary>
    public ResourceLimitSet Resolve()
    {
        var memory = MaxMemory ?? DefaultMaxMemory();
        var protocolPeer = ProtocolPeer.Over(DefaultResourceLimits.ProtocolPeer(memory));
        var protocol = Protocol.Over(DefaultResourceLimits.Protocol(memory));
        return new ResourceLimitSet(
            System: ScopeLimit.From(System.Over(DefaultResourceLimits.System(memory))),
            Transient: ScopeLimit.From(Transient.Over(DefaultResourceLimits.Transient(memory))),
            Peer: ScopeLimit.From(Peer.Over(DefaultResourceLimits.Peer(memory))),
            Ip: ScopeLimit.From(Ip.Over(DefaultResourceLimits.Ip(memory))),
            Protocol: ScopeLimit.From(protocol),
            ProtocolPeer: ScopeLimit.From(protocolPeer),
            Service: ScopeLimit.From(Service.Over(DefaultResourceLimits.Service(memory))),
            ServicePeer: ScopeLimit.From(ServicePeer.Over(DefaultResourceLimits.ServicePeer(memory))),
            Connection: ScopeLimit.From(Connection.Over(DefaultResourceLimits.Connection())),
            Stream: ScopeLimit.From(Stream.Over(DefaultResourceLimits.Stream())),
            Protocols: Named(Protocols, BuiltInProtocols, protocol),
            ProtocolPeers: Named(ProtocolPeers, BuiltInProtocolPeers, protocolPeer),
            Services: Named(Services, new Dictionary<string, ResourceLimits>(), Service.Over(DefaultResourceLimits.Service(memory))),
            ServicePeers: Named(ServicePeers, new Dictionary<string, ResourceLimits>(), ServicePeer.Over(DefaultResourceLimits.ServicePeer(memory))));
    }

    /// <summary>Protocols whose streams over all peers are bounded more tightly than any protocol's.</summary>
    private static readonly Dictionary<string, ResourceLimits> BuiltInProtocols = new(StringComparer.Ordinal)
    {
        [PerfService.ProtocolId] = new() { StreamsInbound = 64, StreamsOutbound = 64, Streams = 128 },
    };

    /// <summary>
    /// Protocols a peer needs only a few streams of at once: identify runs once per connection (and per push), ping
    /// one stream per round trip, perf as many as a measurement asks (16 is what the benchmarks use).
    /// </summary>
    private static readonly Dictionary<string, ResourceLimits> BuiltInProtocolPeers = new(StringComparer.Ordinal)
    {
        [PingService.ProtocolId] = new() { StreamsInbound = 4, StreamsOutbound = 4, Streams = 8 },
        [IdentifyService.ProtocolId] = new() { StreamsInbound = 16, StreamsOutbound = 16, Streams = 32 },
        [IdentifyService.PushProtocolId] = new() { StreamsInbound = 16, StreamsOutbound = 16, Streams = 32 },
        [PerfService.ProtocolId] = new() { StreamsInbound = 16, StreamsOutbound = 16, Streams = 32 },
    };

    private static Dictionary<string, ScopeLimit> Named(IReadOnlyDictionary<string, ResourceLimits> configured,
        Dictionary<string, ResourceLimits> builtIn, ResourceLimits kindDefaults)
    {
        var limits = new Dictionary<string, ScopeLimit>(StringComparer.Ordinal);
        foreach (var (name, own) in builtIn)
            limits[name] = ScopeLimit.From((configured.GetValueOrDefault(name) ?? new ResourceLimits()).Over(own).Over(kindDefaults));
        foreach (var (name, own) in configured)
            limits.TryAdd(name, ScopeLimit.From(own.Over(kindDefaults)));
        return limits;
    }
}
