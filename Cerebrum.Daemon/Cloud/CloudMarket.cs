using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Market;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Daemon.Cloud;

/// <summary>
/// <see cref="ICloudMarket"/> over the gateway's own <see cref="Marketplace"/>: the offers its daemon has heard on
/// <c>cerebrum/1/offers</c> (verified, unexpired), a tenant's leases as the ledger holds them (accrued to the last block's
/// time, as <c>CloseLease</c> would pay), and an API key's requests and spend from the gateway's usage book, with the
/// <see cref="CloudUsageHistory"/> the gateway samples as it flushes that book.
/// </summary>
public sealed class CloudMarket(Marketplace market, Func<ApiKeyStore?> keys, CloudUsageHistory history, TimeProvider time) : ICloudMarket
{
    public IReadOnlyList<CloudOffer> Offers() =>
        [.. market.Offers.Current(time.GetUtcNow()).Select(o => new CloudOffer(
            o.Node.ToString(),
            [.. o.Offer.Models.Select(m => new CloudOfferedModel(m.Hash, m.Name, m.Task, m.PricePerRequest))],
            o.Offer.Lease?.PricePerHour,
            o.Offer.Lease?.MinHours ?? 0,
            o.Offer.Lease?.MaxHours ?? 0,
            o.Offer.Hardware,
            o.Offer.Region,
            o.Offer.FreeSlots,
            o.Offer.LeasedUntilUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(o.Offer.LeasedUntilUnixMs).UtcDateTime : null,
            o.Expires.UtcDateTime))];

    public IReadOnlyList<CloudLease> Leases(PeerId tenant)
    {
        // Accrual as the ledger computes it (from block times); "ended" by the gateway's clock, as the admin API says it.
        var blockTime = market.Chain.Status.LastTime.ToUnixTimeMilliseconds();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        return [.. market.Chain.ListLeases(tenant)
            .Where(l => l.Value.Tenant.Span.SequenceEqual(tenant.Bytes.Span))
            .OrderByDescending(l => l.Value.StartUnixMs).ThenBy(l => l.Key, StringComparer.Ordinal)
            .Select(l => new CloudLease(l.Key, tenant.ToString(), PeerId.FromBytes(l.Value.Node.Span).ToString(), l.Value.Hours, l.Value.PricePerHour,
                l.Value.Prepaid, PaymentMath.Accrued(l.Value, blockTime),
                DateTimeOffset.FromUnixTimeMilliseconds(l.Value.StartUnixMs).UtcDateTime, DateTimeOffset.FromUnixTimeMilliseconds(l.Value.EndUnixMs).UtcDateTime,
                l.Value.EndUnixMs > now ? LeaseResponse.Active : LeaseResponse.Ended))];
    }

    public CloudUsage? Usage(ApiKey key)
    {
        if (keys() is not { } store) return null;
        var (requests, spent) = store.Usage.Snapshot().GetValueOrDefault(key.Name);
        return new CloudUsage(key.Name, requests, spent, key.Budget, key.Budget > 0 ? key.Budget - Math.Min(key.Budget, spent) : null, history.Of(key.Name));
    }
}
