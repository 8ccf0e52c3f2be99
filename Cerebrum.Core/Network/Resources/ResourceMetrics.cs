using System.Diagnostics.Metrics;

namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// The resource manager's instruments (<c>cerebrum.network.resource.*</c>, see <see cref="NetworkMetrics"/>): gauges
/// read the manager's usage when observed, the refusal counter is added to at each refusal (by the manager, and by the
/// listener for its handshake slots).
/// </summary>
internal sealed class ResourceMetrics
{
    private static readonly ResourceScopeKind[] ConnectionKinds = [ResourceScopeKind.System, ResourceScopeKind.Transient, ResourceScopeKind.Peer, ResourceScopeKind.Ip];
    private static readonly ResourceScopeKind[] HoldingKinds = [.. ConnectionKinds, ResourceScopeKind.Protocol, ResourceScopeKind.Service];
    private static readonly ResourceScopeKind[] KeyedKinds =
        [ResourceScopeKind.Peer, ResourceScopeKind.Ip, ResourceScopeKind.Protocol, ResourceScopeKind.ProtocolPeer, ResourceScopeKind.Service, ResourceScopeKind.ServicePeer];

    private readonly Meter _meter;
    private readonly Counter<long> _refusals;
    private int _watching;

    private ResourceMetrics(Meter meter)
    {
        _meter = meter;
        _refusals = meter.CreateCounter<long>(NetworkMetrics.ResourceRefusals, "{refusal}",
            "Connections, streams, memory reservations and handshakes refused, by the scope kind whose limit was reached");
        // Zeros now, so that a listener already attached shows the series before the first refusal.
        _refusals.Add(0, Tag(NetworkMetrics.ScopeTag, "system"), Tag(NetworkMetrics.ResourceTag, "connections"));
    }

    /// <summary>Null without a factory: an uninstrumented host pays nothing.</summary>
    public static ResourceMetrics? Create(IMeterFactory? meterFactory) =>
        meterFactory is null ? null : new ResourceMetrics(meterFactory.Create(NetworkMetrics.MeterName));

    /// <summary>The tag value of a scope kind: system, transient, peer, ip, protocol, protocol_peer, service, …</summary>
    public static string TagOf(ResourceScopeKind kind) => kind switch
    {
        ResourceScopeKind.ProtocolPeer => "protocol_peer",
        ResourceScopeKind.ServicePeer => "service_peer",
        ResourceScopeKind.ServiceMemory => "service_memory",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public void Refused(ResourceScopeKind kind, string resource) =>
        _refusals.Add(1, Tag(NetworkMetrics.ScopeTag, TagOf(kind)), Tag(NetworkMetrics.ResourceTag, resource));

    /// <summary>Publishes <paramref name="usage"/>'s figures as the gauges (once; a second manager is not watched).</summary>
    public void Watch(Func<IReadOnlyList<ResourceUsage>> usage)
    {
        if (Interlocked.Exchange(ref _watching, 1) != 0)
            return;
        _meter.CreateObservableGauge(NetworkMetrics.ResourceConnections, () => Measure(usage(), ConnectionKinds,
                u => [(u.ConnectionsInbound, "inbound"), (u.ConnectionsOutbound, "outbound")]),
            "{connection}", "Connections held: system, transient, and the largest of any one peer or IP");
        _meter.CreateObservableGauge(NetworkMetrics.ResourceStreams, () => Measure(usage(), HoldingKinds,
                u => [(u.StreamsInbound, "inbound"), (u.StreamsOutbound, "outbound")]),
            "{stream}", "Streams held: system, transient, and the largest of any one peer, IP, protocol or service");
        _meter.CreateObservableGauge(NetworkMetrics.ResourceMemory, () => usage()
                .Where(u => HoldingKinds.Contains(u.Kind))
                .Select(u => new Measurement<long>(u.Memory, Tag(NetworkMetrics.ScopeTag, TagOf(u.Kind)))),
            "By", "Memory reserved: system, transient, and the largest of any one peer, IP, protocol or service");
        _meter.CreateObservableGauge(NetworkMetrics.ResourceScopes, () => usage()
                .Where(u => KeyedKinds.Contains(u.Kind))
                .Select(u => new Measurement<int>(u.Scopes, Tag(NetworkMetrics.ScopeTag, TagOf(u.Kind)))),
            "{scope}", "Peers, IPs, protocols and services holding resources now");
    }

    private static IEnumerable<Measurement<int>> Measure(IReadOnlyList<ResourceUsage> usage, ResourceScopeKind[] kinds,
        Func<ResourceUsage, (int Value, string Direction)[]> values) =>
        usage.Where(u => kinds.Contains(u.Kind)).SelectMany(u => values(u).Select(v =>
            new Measurement<int>(v.Value, Tag(NetworkMetrics.ScopeTag, TagOf(u.Kind)), Tag(NetworkMetrics.DirectionTag, v.Direction))));

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);
}
