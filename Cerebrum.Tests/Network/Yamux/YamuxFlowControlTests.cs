using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Tests.Network.Yamux;

public class YamuxFlowControlTests
{
    private const int Spec = YamuxReceiveWindow.SpecInitialWindow;
    private const long RoundTrip = 1_000;

    [Test]
    public void ReceiveWindow_StartsAtSpecWindowAndAnnouncesTheExtraOnOpen()
    {
        var window = new YamuxReceiveWindow(initialWindow: 1024 * 1024, maxWindow: 16 * 1024 * 1024, nowTimestamp: 0);

        Assert.That(window.Remaining, Is.EqualTo(Spec), "the peer assumes 256 KiB until told otherwise");
        Assert.That(window.TakeOpeningGrant(0), Is.EqualTo(1024 * 1024 - Spec));
        Assert.That(window.Remaining, Is.EqualTo(1024 * 1024));
    }

    [Test]
    public void ReceiveWindow_RejectsDataBeyondTheGrant()
    {
        var window = new YamuxReceiveWindow(Spec, Spec, 0);

        Assert.That(window.TryReceive(Spec - 10), Is.True);
        Assert.That(window.TryReceive(11), Is.False);
        Assert.That(window.TryReceive(10), Is.True);
        Assert.That(window.Remaining, Is.Zero);
        Assert.That(window.Buffered, Is.EqualTo(Spec));
    }

    [Test]
    public void ReceiveWindow_UpdatesOnlyOnceHalfTheWindowWasConsumed()
    {
        var window = new YamuxReceiveWindow(Spec, Spec, 0);
        window.TryReceive(Spec);

        window.Consume(Spec / 2 - 1);
        Assert.That(window.TakeUpdate(nowTimestamp: 1_000_000, RoundTrip), Is.Zero);

        window.Consume(1);
        Assert.That(window.TakeUpdate(nowTimestamp: 1_000_000, RoundTrip), Is.EqualTo(Spec / 2));
        Assert.That(window.Remaining, Is.EqualTo(Spec / 2));
        Assert.That(window.TakeUpdate(nowTimestamp: 1_000_000, RoundTrip), Is.Zero, "already granted");
    }

    [Test]
    public void ReceiveWindow_DoublesWhenHalfAWindowIsConsumedWithinFourRoundTrips()
    {
        var window = new YamuxReceiveWindow(Spec, 4 * Spec, 0);
        window.TryReceive(Spec);
        window.Consume(Spec);

        var delta = window.TakeUpdate(nowTimestamp: 4 * RoundTrip - 1, RoundTrip);

        Assert.That(window.WindowSize, Is.EqualTo(2 * Spec));
        Assert.That(delta, Is.EqualTo(2 * Spec), "consumed bytes plus the growth");
        Assert.That(window.Remaining, Is.EqualTo(2 * Spec));
    }

    [Test]
    public void ReceiveWindow_DoesNotGrowForASlowReader()
    {
        var window = new YamuxReceiveWindow(Spec, 4 * Spec, 0);
        window.TryReceive(Spec);
        window.Consume(Spec);

        var delta = window.TakeUpdate(nowTimestamp: 4 * RoundTrip, RoundTrip);

        Assert.That(window.WindowSize, Is.EqualTo(Spec));
        Assert.That(delta, Is.EqualTo(Spec));
    }

    [Test]
    public void ReceiveWindow_GrowthStopsAtTheMaximum()
    {
        var max = 3 * Spec;
        var window = new YamuxReceiveWindow(Spec, max, 0);
        for (var i = 0; i < 5; i++)
        {
            var grant = window.Remaining;
            window.TryReceive((uint)grant);
            window.Consume(grant);
            window.TakeUpdate(nowTimestamp: i, RoundTrip);
        }

        Assert.That(window.WindowSize, Is.EqualTo(max));
        Assert.That(window.Remaining + window.Buffered, Is.LessThanOrEqualTo(max));
    }

    [Test]
    public void ReceiveWindow_NeverGrowsWithoutARoundTripEstimate()
    {
        var window = new YamuxReceiveWindow(Spec, 4 * Spec, 0);
        window.TryReceive(Spec);
        window.Consume(Spec);

        window.TakeUpdate(nowTimestamp: 1, roundTrip: 0);

        Assert.That(window.WindowSize, Is.EqualTo(Spec));
    }

    [Test]
    public void ReceiveWindow_RejectsConsumingMoreThanBuffered()
    {
        var window = new YamuxReceiveWindow(Spec, Spec, 0);
        window.TryReceive(10);

        Assert.Throws<ArgumentOutOfRangeException>(() => window.Consume(11));
    }

    [Test]
    public void ReceiveWindow_RejectsInitialWindowBelowSpec()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new YamuxReceiveWindow(Spec - 1, Spec, 0));
    }

    [Test]
    public void SendWindow_ReservesUpToWhatIsAvailableAndResumesOnGrowth()
    {
        var window = new YamuxSendWindow();

        Assert.That(window.Reserve(Spec - 100), Is.EqualTo(Spec - 100));
        Assert.That(window.Reserve(1000), Is.EqualTo(100));
        Assert.That(window.Reserve(1), Is.Zero);
        Assert.That(window.Grow(50), Is.True, "empty -> non-empty wakes a blocked writer");
        Assert.That(window.Grow(50), Is.False, "already non-empty");
        window.Unreserve(7);
        Assert.That(window.Available, Is.EqualTo(107));
    }

    [Test]
    public void SendWindow_ClampsAbsurdGrants()
    {
        var window = new YamuxSendWindow();
        window.Grow(uint.MaxValue);
        window.Grow(uint.MaxValue);

        Assert.That(window.Available, Is.EqualTo((long)uint.MaxValue));
    }
}
