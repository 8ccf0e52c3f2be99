using Cerebrum.Core.Market.Jobs;
using Cerebrum.Core.Market.Leases;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Payments;

namespace Cerebrum.Core.Market;

/// <summary>
/// The market's settings (config section <c>Market</c>), validated at start-up. Amounts are integer micro-CER; a node's
/// price per request is <c>Node:PricePerRequest</c>, which its heartbeat and offers announce.
/// </summary>
public sealed record MarketOptions
{
    /// <summary>Where a node is, as its offers say (e.g. "eu-west"); free text of at most 64 characters.</summary>
    public string Region { get; init; } = "";

    public LeaseOptions Lease { get; init; } = new();

    public ClaimOptions Claims { get; init; } = new();

    /// <summary>How much a payer's voucher may promise beyond the job it pays (pre-paid credit, so one signature covers several jobs).</summary>
    public ulong CreditWindow { get; init; }

    /// <summary>How often a node gossips its offer, and how long each stays valid.</summary>
    public TimeSpan OfferInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan OfferLifetime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a node's quote for a job request stays valid.</summary>
    public TimeSpan QuoteLifetime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Most offers kept from the gossip.</summary>
    public int MaxOffers { get; init; } = 10_000;

    public MarketLimits Limits { get; init; } = new();

    /// <summary>Bounds and pacing of this daemon's batch jobs (<c>cerebrum job submit</c>).</summary>
    public JobLimits Jobs { get; init; } = new();

    /// <exception cref="ArgumentException">An invalid value, named.</exception>
    public void Validate()
    {
        Lease.Validate();
        Claims.Validate();
        Limits.Validate();
        Jobs.Validate();
        if (OfferInterval <= TimeSpan.Zero || OfferLifetime <= OfferInterval || OfferLifetime > Limits.MaxLifetime)
            throw new ArgumentException($"Market: OfferInterval must be positive and below OfferLifetime, which is at most {Limits.MaxLifetime}");
        if (QuoteLifetime <= TimeSpan.Zero || QuoteLifetime > Limits.MaxLifetime) throw new ArgumentException($"Market:QuoteLifetime must be positive and at most {Limits.MaxLifetime}");
        if (MaxOffers <= 0) throw new ArgumentException("Market:MaxOffers must be positive");
        if (Region.Length > Limits.MaxRegionLength) throw new ArgumentException($"Market:Region is at most {Limits.MaxRegionLength} characters");
    }
}
