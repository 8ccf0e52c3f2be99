using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain.Payments;

/// <summary>
/// The market's arithmetic, exact and deterministic: integer micro-CER, products in 128 bits, results rounded down
/// (so the chain never pays out more than it holds), and no clock but block time.
/// </summary>
public static class PaymentMath
{
    public const long MillisecondsPerHour = 3_600_000;

    /// <summary>The chain's take of a payout: floor(amount * basisPoints / 10000), never more than the amount.</summary>
    public static ulong Take(ulong amount, uint basisPoints) =>
        basisPoints >= 10_000 ? amount : (ulong)((UInt128)amount * basisPoints / 10_000);

    /// <summary>hours * pricePerHour, or null when it does not fit in 64 bits.</summary>
    public static ulong? LeasePrepayment(uint hours, ulong pricePerHour)
    {
        var product = (UInt128)hours * pricePerHour;
        return product > ulong.MaxValue ? null : (ulong)product;
    }

    /// <summary>
    /// What a lease has earned its node by block time <paramref name="timeUnixMs"/>: nothing before its start, the full
    /// prepayment from its end, and floor(pricePerHour * elapsed ms / 3,600,000) between (Akash-style lazy accrual: computed
    /// when needed, never written per block).
    /// </summary>
    public static ulong Accrued(LeaseState lease, long timeUnixMs)
    {
        if (timeUnixMs <= lease.StartUnixMs) return 0;
        if (timeUnixMs >= lease.EndUnixMs) return lease.Prepaid;
        var elapsed = (ulong)(timeUnixMs - lease.StartUnixMs);
        var accrued = (UInt128)lease.PricePerHour * elapsed / MillisecondsPerHour;
        return accrued >= lease.Prepaid ? lease.Prepaid : (ulong)accrued;
    }
}
