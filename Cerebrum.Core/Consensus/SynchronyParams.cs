namespace Cerebrum.Core.Consensus;

/// <summary>
/// Proposer-based timestamps (PBTS, as in CometBFT): the synchrony a network assumes of its validators, identical on
/// every validator (the chain takes them from genesis). A value proposed for the first time (valid round −1) carries
/// its proposer's clock reading; a validator prevotes for it only when it is <em>timely</em>: received at local time
/// <c>t</c> with <c>time − Precision ≤ t ≤ time + MessageDelay(round) + Precision</c>. A re-proposed value (valid round
/// ≥ 0) keeps its time and needs no check: 2f+1 prevotes of an earlier round found it timely.
/// </summary>
/// <param name="Precision">How far apart two correct validators' clocks may be at any instant.</param>
/// <param name="MessageDelay">How long a proposal may take to reach every correct validator (round 0).</param>
public sealed record SynchronyParams(TimeSpan Precision, TimeSpan MessageDelay)
{
    public static readonly TimeSpan MaxPrecision = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxMessageDelay = TimeSpan.FromMinutes(10);

    /// <summary>500 ms of clock precision and 5 s of message delay.</summary>
    public static SynchronyParams Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));

    /// <summary>
    /// The message delay allowed in <paramref name="round"/>: 10% more per round, so that a network whose configured
    /// delay is too small still finds a round in which proposals are timely (CometBFT's adaptive MSGDELAY).
    /// </summary>
    public TimeSpan MessageDelayFor(int round) =>
        TimeSpan.FromTicks(MessageDelay.Ticks + MessageDelay.Ticks / 10 * Math.Clamp(round, 0, 10_000));

    /// <summary>Whether a proposal with <paramref name="proposalTime"/> received at <paramref name="receivedAt"/> in <paramref name="round"/> is timely.</summary>
    public bool IsTimely(DateTimeOffset proposalTime, DateTimeOffset receivedAt, int round)
    {
        // Compared as offsets from the receive time, so no bound can leave DateTimeOffset's range.
        var ahead = proposalTime - receivedAt;
        return ahead <= Precision && -ahead <= MessageDelayFor(round) + Precision;
    }

    /// <exception cref="ArgumentException">A value out of range.</exception>
    public SynchronyParams Validate()
    {
        if (Precision <= TimeSpan.Zero || Precision > MaxPrecision)
            throw new ArgumentException($"precision must be positive and at most {MaxPrecision.TotalSeconds:0} s, got {Precision}", nameof(Precision));
        if (MessageDelay <= TimeSpan.Zero || MessageDelay > MaxMessageDelay)
            throw new ArgumentException($"messageDelay must be positive and at most {MaxMessageDelay.TotalMinutes:0} min, got {MessageDelay}", nameof(MessageDelay));
        return this;
    }
}
