using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Core.Market.Messages;

/// <summary>A job request whose signature and bounds checked out; <paramref name="Requester"/> is the signing key's peer ID.</summary>
public sealed record VerifiedJobRequest(PeerId Requester, JobRequest Request, IReadOnlyList<Multiaddress> Addresses);
