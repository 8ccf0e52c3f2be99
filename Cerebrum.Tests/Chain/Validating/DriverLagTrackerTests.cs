using Cerebrum.Core.Chain.Validating;

namespace Cerebrum.Tests.Chain.Validating;

/// <summary>When the validator's supervisor offers the chain's decision to its consensus driver, and when it replaces the driver.</summary>
[TestFixture]
public sealed class DriverLagTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    [Test]
    public void ADriverAtTheNextHeight_IsLeftAlone()
    {
        var lag = new DriverLagTracker(Grace);
        Assert.That(lag.Observe(5, 5, T0), Is.EqualTo(DriverLagAction.None));
        Assert.That(lag.Observe(6, 5, T0.AddMinutes(1)), Is.EqualTo(DriverLagAction.None), "ahead of the chain");
    }

    [Test]
    public void ADriverThatFallsBehind_IsOfferedTheDecisionOnce_AndReplacedOnlyAfterTheGracePeriodAtThatHeight()
    {
        var lag = new DriverLagTracker(Grace);
        Assert.That(lag.Observe(5, 6, T0), Is.EqualTo(DriverLagAction.OfferDecision));
        Assert.That(lag.Observe(5, 6, T0.AddSeconds(1)), Is.EqualTo(DriverLagAction.None));
        Assert.That(lag.Observe(5, 7, T0.AddSeconds(3)), Is.EqualTo(DriverLagAction.None), "exactly the grace period is not yet past it");
        Assert.That(lag.Observe(5, 7, T0.AddSeconds(3.1)), Is.EqualTo(DriverLagAction.Restart));
        Assert.That(lag.Observe(7, 7, T0.AddSeconds(3.2)), Is.EqualTo(DriverLagAction.None), "the new driver is at the next height");
    }

    [Test]
    public void ADriverBehindOnlyDuringEachCommitDelay_IsNeverReplaced()
    {
        // Under load every height looks like this: the driver decides H (the chain is at H, the driver still at H for
        // the 1 s commit delay), moves to H+1, decides it 0.1 s later. Behind 90 % of the time, for 30 heights.
        var lag = new DriverLagTracker(Grace);
        var now = T0;
        for (long height = 1; height <= 30; height++)
        {
            Assert.That(lag.Observe(height, height, now), Is.EqualTo(DriverLagAction.None));
            now += TimeSpan.FromSeconds(0.1);
            Assert.That(lag.Observe(height, height + 1, now), Is.EqualTo(DriverLagAction.OfferDecision), $"height {height} just decided");
            foreach (var step in new[] { 0.25, 0.5, 0.75 })
                Assert.That(lag.Observe(height, height + 1, now + TimeSpan.FromSeconds(step)), Is.Not.EqualTo(DriverLagAction.Restart));
            now += TimeSpan.FromSeconds(1);
        }
    }

    [Test]
    public void SamplesThatMissTheDriversMomentAtTheNextHeight_StillRestartTheClockPerHeight()
    {
        // The supervisor samples every 250 ms: it may never see the driver level with the chain between two heights.
        var lag = new DriverLagTracker(Grace);
        var now = T0;
        for (long height = 1; height <= 10; height++)
        {
            var action = lag.Observe(height, height + 1, now);
            Assert.That(action, Is.EqualTo(DriverLagAction.OfferDecision), $"height {height}");
            now += TimeSpan.FromSeconds(2);
        }
    }
}
