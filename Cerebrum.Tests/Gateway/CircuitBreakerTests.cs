using Cerebrum.Core.Gateway;

namespace Cerebrum.Tests.Gateway;

[TestFixture]
public sealed class CircuitBreakerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void OpensAfterTheThreshold_OfConsecutiveFailures()
    {
        var breaker = new CircuitBreaker(3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));

        breaker.RecordFailure(T0);
        breaker.RecordFailure(T0);
        Assert.That(breaker.State, Is.EqualTo(CircuitState.Closed));
        breaker.RecordFailure(T0);

        Assert.That(breaker.State, Is.EqualTo(CircuitState.Open));
        Assert.That(breaker.IsAvailable(T0.AddSeconds(1.9)), Is.False);
        Assert.That(breaker.TryAcquire(T0.AddSeconds(1.9)), Is.False);
    }

    [Test]
    public void ASuccess_ResetsTheCount()
    {
        var breaker = new CircuitBreaker(2, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));

        breaker.RecordFailure(T0);
        breaker.RecordSuccess();
        breaker.RecordFailure(T0);

        Assert.That(breaker.State, Is.EqualTo(CircuitState.Closed));
        Assert.That(breaker.ConsecutiveFailures, Is.EqualTo(1));
    }

    [Test]
    public void AfterTheOpenTime_OneProbeIsLetThrough_AndItsSuccessCloses()
    {
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));
        breaker.RecordFailure(T0);

        Assert.That(breaker.TryAcquire(T0.AddSeconds(2)), Is.True);
        Assert.That(breaker.State, Is.EqualTo(CircuitState.HalfOpen));
        Assert.That(breaker.TryAcquire(T0.AddSeconds(2)), Is.False, "only one probe at a time");
        breaker.RecordSuccess();

        Assert.That(breaker.State, Is.EqualTo(CircuitState.Closed));
        Assert.That(breaker.TryAcquire(T0.AddSeconds(2)), Is.True);
    }

    [Test]
    public void AFailedProbe_ReopensForTwiceAsLong_UpToTheCap()
    {
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5));
        breaker.RecordFailure(T0);

        Assert.That(breaker.TryAcquire(T0.AddSeconds(2)), Is.True);
        breaker.RecordFailure(T0.AddSeconds(2));
        Assert.That(breaker.IsAvailable(T0.AddSeconds(5.9)), Is.False);
        Assert.That(breaker.TryAcquire(T0.AddSeconds(6)), Is.True, "reopened for 4 s");
        breaker.RecordFailure(T0.AddSeconds(6));

        Assert.That(breaker.IsAvailable(T0.AddSeconds(10.9)), Is.False);
        Assert.That(breaker.IsAvailable(T0.AddSeconds(11)), Is.True, "capped at 5 s");
    }

    [Test]
    public void ANeutralOutcome_ReleasesTheProbe_WithoutClosing()
    {
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(60));
        breaker.RecordFailure(T0);
        Assert.That(breaker.TryAcquire(T0.AddSeconds(3)), Is.True);

        breaker.RecordNeutral();

        Assert.That(breaker.State, Is.EqualTo(CircuitState.HalfOpen));
        Assert.That(breaker.TryAcquire(T0.AddSeconds(3)), Is.True);
    }
}
