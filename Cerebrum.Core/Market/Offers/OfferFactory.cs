using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Leases;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Network.Multiaddr;
using Google.Protobuf;

namespace Cerebrum.Core.Market.Offers;

/// <summary>Builds a node's offer from what it serves, its price, its lease terms and where it can be reached.</summary>
public static class OfferFactory
{
    /// <param name="models">Each served model: hash, name and task.</param>
    /// <param name="leasedUntil">The end of the node's running lease, or null.</param>
    public static Offer Create(string chainId, PeerId node, ulong sequence, DateTimeOffset now, TimeSpan lifetime,
        IEnumerable<(string Hash, string Name, string Task)> models, ulong pricePerRequest, LeaseOptions lease, string hardware, string region,
        uint freeSlots, DateTimeOffset? leasedUntil, IEnumerable<Multiaddress> addresses)
    {
        var offer = new Offer
        {
            ChainId = chainId,
            Node = ByteString.CopyFrom(node.Bytes.Span),
            Sequence = sequence,
            IssuedUnixMs = now.ToUnixTimeMilliseconds(),
            ExpiresUnixMs = (now + lifetime).ToUnixTimeMilliseconds(),
            Hardware = hardware.Length > 256 ? hardware[..256] : hardware,
            Region = region,
            FreeSlots = freeSlots,
            LeasedUntilUnixMs = leasedUntil?.ToUnixTimeMilliseconds() ?? 0,
        };
        foreach (var (hash, name, task) in models.Take(64))
            offer.Models.Add(new OfferedModel { Hash = hash, Name = name, Task = task, PricePerRequest = pricePerRequest });
        if (lease.PricePerHour is { } price) offer.Lease = new LeasePrice { PricePerHour = price, MinHours = lease.MinHours, MaxHours = lease.MaxHours };
        foreach (var address in addresses.Take(16)) offer.Addresses.Add(ByteString.CopyFrom(address.WithoutPeerId().ToBytes()));
        return offer;
    }
}
