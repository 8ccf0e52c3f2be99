namespace Cerebrum.Cli.Commands.Net;

/// <summary>What <c>cerebrum net identify --json</c> prints; <see cref="PublicKey"/> is the hex of the key's libp2p protobuf.</summary>
public sealed record IdentifyOutput(
    string PeerId,
    string? AgentVersion,
    string? ProtocolVersion,
    IReadOnlyList<string> Protocols,
    IReadOnlyList<string> ListenAddrs,
    string? ObservedAddr,
    string PublicKey);
