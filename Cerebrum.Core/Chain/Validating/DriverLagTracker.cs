namespace Cerebrum.Core.Chain.Validating;

/// <summary>What the consensus supervisor does about a driver that the chain has moved past.</summary>
public enum DriverLagAction
{
    /// <summary>The driver is at the chain's next height, or has been behind for less than the grace period.</summary>
    None,

    /// <summary>The driver just fell behind at this height: hand it the chain's decision of its height.</summary>
    OfferDecision,

    /// <summary>The driver stayed behind at one height for the whole grace period: replace it at the chain's next height.</summary>
    Restart,
}

/// <summary>
/// Decides, from the driver's height, the chain's next height and the time, when the validator's consensus driver has
/// been overtaken (by the blocks topic or sync) for good. A driver that decided its height is behind the chain for
/// the commit delay at every height, so the lag is timed per driver height: the clock starts again whenever the
/// driver's height changes, and only a driver stuck at one height for the whole grace period is replaced.
/// </summary>
public sealed class DriverLagTracker(TimeSpan grace)
{
    private DateTimeOffset? _behindSince;
    private long _behindAt;

    public TimeSpan Grace { get; } = grace;

    public DriverLagAction Observe(long driverHeight, long nextHeight, DateTimeOffset now)
    {
        if (driverHeight >= nextHeight)
        {
            _behindSince = null;
            return DriverLagAction.None;
        }
        if (_behindSince is null || _behindAt != driverHeight)
        {
            _behindSince = now;
            _behindAt = driverHeight;
            return DriverLagAction.OfferDecision;
        }
        if (now - _behindSince > Grace)
        {
            _behindSince = null;
            return DriverLagAction.Restart;
        }
        return DriverLagAction.None;
    }
}
