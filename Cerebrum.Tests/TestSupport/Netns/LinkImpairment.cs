namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>
/// What an <see cref="ImpairedLink"/> does to each packet, in each direction: holds it for <see cref="OneWayDelay"/>
/// and drops a <see cref="Loss"/> share of them (chosen by a PRNG seeded with <see cref="Seed"/>, so a run is
/// repeatable for the same packets). A round trip across the link takes twice the delay.
/// </summary>
internal sealed record LinkImpairment
{
    public LinkImpairment(TimeSpan oneWayDelay, double loss = 0, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(oneWayDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oneWayDelay, TimeSpan.FromSeconds(10));
        if (!(loss >= 0 && loss <= 1)) throw new ArgumentOutOfRangeException(nameof(loss), loss, "loss is a share between 0 and 1");
        OneWayDelay = oneWayDelay;
        Loss = loss;
        Seed = seed;
    }

    /// <summary>No delay, no loss: a plain wire.</summary>
    public static LinkImpairment None { get; } = new(TimeSpan.Zero);

    /// <summary>Every packet dropped: the far side went dark (the link stays, so it can come back).</summary>
    public static LinkImpairment Dark { get; } = new(TimeSpan.Zero, loss: 1);

    public TimeSpan OneWayDelay { get; }

    public double Loss { get; }

    public int Seed { get; }
}
