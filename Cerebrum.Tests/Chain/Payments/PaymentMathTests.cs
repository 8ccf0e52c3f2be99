using System.Numerics;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Tests.Chain.Payments;

/// <summary>
/// The market's arithmetic against BigInteger arithmetic (an independent truth), over random and extreme values: no
/// overflow, nothing paid beyond what is held, and every split adds up to the micro-CER.
/// </summary>
[TestFixture]
public sealed class PaymentMathTests
{
    private static readonly ulong[] Extremes = [0, 1, 2, 9_999, 10_000, 10_001, long.MaxValue, ulong.MaxValue - 1, ulong.MaxValue];

    [Test]
    public void Take_is_the_rounded_down_share_and_never_more_than_the_amount([Values(1, 2, 3)] int seed)
    {
        var random = new Random(seed);
        var amounts = Extremes.Concat(Enumerable.Range(0, 2_000).Select(_ => (ulong)random.NextInt64() * (ulong)random.Next(1, 3)));
        foreach (var amount in amounts)
            foreach (var bps in new uint[] { 0, 1, 200, 9_999, 10_000, (uint)random.Next(0, 10_001) })
            {
                var take = PaymentMath.Take(amount, bps);
                Assert.That(take, Is.EqualTo((ulong)(new BigInteger(amount) * bps / 10_000)), $"{amount} at {bps} bp");
                Assert.That(take, Is.LessThanOrEqualTo(amount));
            }
    }

    [Test]
    public void LeasePrepayment_is_exact_or_refused_on_overflow()
    {
        Assert.Multiple(() =>
        {
            Assert.That(PaymentMath.LeasePrepayment(3, 1_000), Is.EqualTo(3_000));
            Assert.That(PaymentMath.LeasePrepayment(1, ulong.MaxValue), Is.EqualTo(ulong.MaxValue));
            Assert.That(PaymentMath.LeasePrepayment(2, ulong.MaxValue / 2 + 1), Is.Null);
            Assert.That(PaymentMath.LeasePrepayment(uint.MaxValue, ulong.MaxValue), Is.Null);
        });
    }

    [Test]
    public void Accrual_grows_with_block_time_from_nothing_to_the_whole_prepayment([Values(1, 2, 3)] int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 300; i++)
        {
            var hours = (uint)random.Next(1, 87_601);
            var price = i % 10 == 0 ? ulong.MaxValue / hours : (ulong)random.NextInt64(1, 1_000_000_000);
            var start = random.NextInt64(0, 4_000_000_000_000);
            var lease = new LeaseState
            {
                Hours = hours,
                PricePerHour = price,
                Prepaid = PaymentMath.LeasePrepayment(hours, price)!.Value,
                StartUnixMs = start,
                EndUnixMs = start + hours * PaymentMath.MillisecondsPerHour,
            };
            var previous = 0UL;
            var times = Enumerable.Range(0, 40).Select(_ => random.NextInt64(start - 10_000, lease.EndUnixMs + 10_000))
                .Concat([start, start + 1, lease.EndUnixMs - 1, lease.EndUnixMs, long.MaxValue, long.MinValue]).Order();
            foreach (var time in times)
            {
                var accrued = PaymentMath.Accrued(lease, time);
                var elapsed = BigInteger.Clamp(new BigInteger(time) - start, 0, new BigInteger(lease.EndUnixMs) - start);
                var expected = BigInteger.Min(new BigInteger(price) * elapsed / PaymentMath.MillisecondsPerHour, lease.Prepaid);
                Assert.That(accrued, Is.EqualTo((ulong)expected), $"lease of {hours} h at {price} per hour, at {time - start} ms");
                Assert.That(accrued, Is.GreaterThanOrEqualTo(previous), "accrual never goes back");
                Assert.That(accrued, Is.LessThanOrEqualTo(lease.Prepaid));
                previous = accrued;
            }
            Assert.That(PaymentMath.Accrued(lease, lease.EndUnixMs), Is.EqualTo(lease.Prepaid), "the node earns it all at the end");
        }
    }
}
