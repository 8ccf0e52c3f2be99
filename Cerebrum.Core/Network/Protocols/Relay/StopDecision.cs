namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary><see cref="RelayClient.HandleStop"/>'s verdict: send <see cref="Response"/>; when <see cref="Request"/> is set the stream is now the relayed connection.</summary>
public sealed record StopDecision(StopRequest? Request, RelayStatus Status, string Reason, byte[] Response);
