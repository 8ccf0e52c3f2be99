using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;

namespace Cerebrum.Daemon.Cloud;

/// <summary>
/// Where Cerebrum Cloud reads the market from: the offers heard on <c>cerebrum/1/offers</c>, a tenant's leases on the
/// ledger, and an API key's usage and spend. The market (issue 14) supplies it; until a gateway has one, the app's market
/// endpoints answer 404 with a plain sentence and <see cref="CloudFeatures.Market"/> is false, so the page says there is
/// no market rather than show empty tables.
/// </summary>
public interface ICloudMarket
{
    /// <summary>The offers heard lately, ordered by node.</summary>
    IReadOnlyList<CloudOffer> Offers();

    /// <summary>The leases on the ledger whose tenant is <paramref name="tenant"/>, newest first.</summary>
    IReadOnlyList<CloudLease> Leases(PeerId tenant);

    /// <summary>What <paramref name="key"/> has used and spent; null when the gateway records nothing for it.</summary>
    CloudUsage? Usage(ApiKey key);
}
