using System.Net;
using Cerebrum.Core.Network.Resources;

namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// The "Network:Resources" section: the limits of the host's resource manager (see <see cref="ResourceManagerOptions"/>).
/// Every limit left out takes its default, scaled from <see cref="MaxMemory"/>; each scope kind's limits are
/// <c>ConnectionsInbound</c>, <c>ConnectionsOutbound</c>, <c>Connections</c>, <c>StreamsInbound</c>,
/// <c>StreamsOutbound</c>, <c>Streams</c> and <c>Memory</c> (bytes).
/// </summary>
public sealed record NetworkResourceOptions
{
    /// <summary>Bytes the network may reserve in all; null: an eighth of the machine's (or container's) memory, at least 128 MiB.</summary>
    public long? MaxMemory { get; init; }

    public ResourceLimits System { get; init; } = new();

    public ResourceLimits Transient { get; init; } = new();

    public ResourceLimits Peer { get; init; } = new();

    public ResourceLimits Ip { get; init; } = new();

    public ResourceLimits Protocol { get; init; } = new();

    public ResourceLimits ProtocolPeer { get; init; } = new();

    public ResourceLimits Service { get; init; } = new();

    public ResourceLimits ServicePeer { get; init; } = new();

    public ResourceLimits Connection { get; init; } = new();

    public ResourceLimits Stream { get; init; } = new();

    /// <summary>Limits of named protocols (e.g. <c>"/ipfs/ping/1.0.0"</c>) over all peers.</summary>
    public IReadOnlyDictionary<string, ResourceLimits> Protocols { get; init; } = new Dictionary<string, ResourceLimits>();

    /// <summary>Limits of named protocols for each peer.</summary>
    public IReadOnlyDictionary<string, ResourceLimits> ProtocolPeers { get; init; } = new Dictionary<string, ResourceLimits>();

    public IReadOnlyDictionary<string, ResourceLimits> Services { get; init; } = new Dictionary<string, ResourceLimits>();

    public IReadOnlyDictionary<string, ResourceLimits> ServicePeers { get; init; } = new Dictionary<string, ResourceLimits>();

    /// <summary>
    /// Networks (CIDR, e.g. <c>10.0.0.0/8</c>) with no per-IP limits, on connections or on handshakes. Null: loopback
    /// (127.0.0.0/8 and ::1). An empty list exempts nothing.
    /// </summary>
    public IReadOnlyList<string>? ExemptNetworks { get; init; }

    /// <summary>Adds an error naming its key for each invalid setting.</summary>
    public void Validate(List<string> errors)
    {
        var exempt = ExemptNetworks ?? [];
        for (var i = 0; i < exempt.Count; i++)
        {
            if (!IPNetwork.TryParse(exempt[i], out _))
                errors.Add($"Network:Resources:ExemptNetworks:{i}: '{exempt[i]}' is not a network in CIDR notation (e.g. 10.0.0.0/8)");
        }
        if (errors.Any(e => e.StartsWith("Network:Resources:ExemptNetworks:", StringComparison.Ordinal)))
            return;
        try
        {
            ToResourceManagerOptions().Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add($"Network:Resources:{e.Message}");
        }
    }

    /// <summary>The host's resource manager options; call after <see cref="Validate"/> found nothing.</summary>
    public ResourceManagerOptions ToResourceManagerOptions() => new()
    {
        MaxMemory = MaxMemory,
        System = System,
        Transient = Transient,
        Peer = Peer,
        Ip = Ip,
        Protocol = Protocol,
        ProtocolPeer = ProtocolPeer,
        Service = Service,
        ServicePeer = ServicePeer,
        Connection = Connection,
        Stream = Stream,
        Protocols = Protocols,
        ProtocolPeers = ProtocolPeers,
        Services = Services,
        ServicePeers = ServicePeers,
        ExemptNetworks = ExemptNetworks is null ? ResourceManagerOptions.DefaultExemptNetworks : [.. ExemptNetworks.Select(IPNetwork.Parse)],
    };
}
