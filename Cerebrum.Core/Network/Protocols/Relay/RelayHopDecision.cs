namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// <see cref="RelayServer.Admit"/>'s verdict on a hop request. A refusal or a reservation: send <see cref="Response"/>
/// and end the stream. An admitted connection (<see cref="Circuit"/> set): open the stop leg to the target, then send
/// the circuit's <see cref="RelayCircuit.Established"/> or <see cref="RelayCircuit.Failed"/> answer.
/// </summary>
public sealed record RelayHopDecision(RelayStatus Status, string Reason, byte[]? Response, RelayCircuit? Circuit);
