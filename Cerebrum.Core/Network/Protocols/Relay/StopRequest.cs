using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>A decoded stop CONNECT: who is connecting to us through the relay, and the relay's limit on the connection.</summary>
public sealed record StopRequest(PeerId Source, RelayLimit Limit);
