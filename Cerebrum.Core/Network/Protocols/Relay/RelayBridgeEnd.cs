namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>One side of a relayed connection at the relay: the stream, how to half-close it, and how to reset it.</summary>
public sealed record RelayBridgeEnd(Stream Stream, Func<CancellationToken, ValueTask> CompleteWrites, Action Reset);
