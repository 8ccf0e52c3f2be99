namespace Cerebrum.Core.Network.Resources;

/// <summary>Every scope kind's concrete limits, as <see cref="ResourceManagerOptions.Resolve"/> computes them.</summary>
public sealed record ResourceLimitSet(
    ScopeLimit System,
    ScopeLimit Transient,
    ScopeLimit Peer,
    ScopeLimit Ip,
    ScopeLimit Protocol,
    ScopeLimit ProtocolPeer,
    ScopeLimit Service,
    ScopeLimit ServicePeer,
    ScopeLimit Connection,
    ScopeLimit Stream,
    IReadOnlyDictionary<string, ScopeLimit> Protocols,
    IReadOnlyDictionary<string, ScopeLimit> ProtocolPeers,
    IReadOnlyDictionary<string, ScopeLimit> Services,
    IReadOnlyDictionary<string, ScopeLimit> ServicePeers)
{
    public ScopeLimit ForProtocol(string protocol) => Protocols.GetValueOrDefault(protocol, Protocol);

    public ScopeLimit ForProtocolPeer(string protocol) => ProtocolPeers.GetValueOrDefault(protocol, ProtocolPeer);

    public ScopeLimit ForService(string service) => Services.GetValueOrDefault(service, Service);

    public ScopeLimit ForServicePeer(string service) => ServicePeers.GetValueOrDefault(service, ServicePeer);
}
