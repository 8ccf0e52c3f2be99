namespace Cerebrum.Core.Network.Streams;

/// <summary>Serves one inbound stream of a registered protocol; the host disposes the stream afterwards.</summary>
public delegate Task ProtocolHandler(ProtocolStream stream, CancellationToken ct);
