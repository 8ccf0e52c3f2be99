namespace Cerebrum.Core.Consensus;

/// <summary>
/// Consensus timing and bounds. Timeouts grow by their delta per round (timeoutX(r) = X + r × XDelta) so that after
/// the network stabilizes they eventually exceed the message delay, which the paper's liveness argument needs.
/// </summary>
public sealed record ConsensusOptions
{
    /// <summary>How long to wait for the round's proposal before prevoting nil (line 57).</summary>
    public TimeSpan ProposeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ProposeTimeoutDelta { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long to wait, after 2f+1 prevotes for anything, before precommitting nil (line 61).</summary>
    public TimeSpan PrevoteTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan PrevoteTimeoutDelta { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long to wait, after 2f+1 precommits for anything, before moving to the next round (line 65).</summary>
    public TimeSpan PrecommitTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan PrecommitTimeoutDelta { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Pause between a decision and the next height (collects late precommits, paces blocks); zero for throughput.</summary>
    public TimeSpan CommitDelay { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// How often a validator re-sends its own messages of the current round (and the last decision, when a peer is
    /// seen behind): gossip may lose messages, and the algorithm assumes they eventually arrive.
    /// </summary>
    public TimeSpan RebroadcastInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Messages for rounds further than this beyond the current round are ignored (bounds memory).</summary>
    public int MaxRoundsAhead { get; init; } = 64;

    /// <summary>Messages for heights up to this far ahead are buffered until the height starts.</summary>
    public int MaxHeightsAhead { get; init; } = 2;

    /// <summary>At most this many future-height messages are buffered (each validator of the height an equal share).</summary>
    public int MaxBufferedMessages { get; init; } = 4096;

    /// <summary>At most this many bytes of future-height messages are buffered (each validator of the height an equal share).</summary>
    public long MaxBufferedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Received messages waiting for the driver's loop: beyond this many bytes more are dropped (the loop is falling behind).</summary>
    public long MaxQueuedBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Largest encoded consensus message (a proposal carries a whole value, e.g. a block).</summary>
    public int MaxMessageBytes { get; init; } = 8 * 1024 * 1024;

    public int MaxEvidence { get; init; } = 1024;

    public TimeSpan ProposeTimeoutFor(int round) => ProposeTimeout + ProposeTimeoutDelta * round;

    public TimeSpan PrevoteTimeoutFor(int round) => PrevoteTimeout + PrevoteTimeoutDelta * round;

    public TimeSpan PrecommitTimeoutFor(int round) => PrecommitTimeout + PrecommitTimeoutDelta * round;

    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public ConsensusOptions Validate()
    {
        Positive(ProposeTimeout, nameof(ProposeTimeout));
        Positive(PrevoteTimeout, nameof(PrevoteTimeout));
        Positive(PrecommitTimeout, nameof(PrecommitTimeout));
        Positive(RebroadcastInterval, nameof(RebroadcastInterval));
        NotNegative(ProposeTimeoutDelta, nameof(ProposeTimeoutDelta));
        NotNegative(PrevoteTimeoutDelta, nameof(PrevoteTimeoutDelta));
        NotNegative(PrecommitTimeoutDelta, nameof(PrecommitTimeoutDelta));
        NotNegative(CommitDelay, nameof(CommitDelay));
        Range(MaxRoundsAhead, 1, 10_000, nameof(MaxRoundsAhead));
        Range(MaxHeightsAhead, 0, 100, nameof(MaxHeightsAhead));
        Range(MaxBufferedMessages, 0, 1_000_000, nameof(MaxBufferedMessages));
        Range(MaxMessageBytes, 1024, 256 * 1024 * 1024, nameof(MaxMessageBytes));
        if (MaxBufferedBytes < 0 || MaxBufferedBytes > 16L * 1024 * 1024 * 1024)
            throw new ArgumentException($"Consensus:{nameof(MaxBufferedBytes)} must be in [0, 16 GiB], got {MaxBufferedBytes}", nameof(MaxBufferedBytes));
        if (MaxQueuedBytes < MaxMessageBytes || MaxQueuedBytes > 16L * 1024 * 1024 * 1024)
            throw new ArgumentException($"Consensus:{nameof(MaxQueuedBytes)} must be in [MaxMessageBytes, 16 GiB], got {MaxQueuedBytes}", nameof(MaxQueuedBytes));
        Range(MaxEvidence, 1, 1_000_000, nameof(MaxEvidence));
        return this;
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value > TimeSpan.FromHours(1))
            throw new ArgumentException($"Consensus:{name} must be positive and at most 1 h, got {value}", name);
    }

    private static void NotNegative(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero || value > TimeSpan.FromHours(1))
            throw new ArgumentException($"Consensus:{name} must be between 0 and 1 h, got {value}", name);
    }

    private static void Range(int value, int min, int max, string name)
    {
        if (value < min || value > max)
            throw new ArgumentException($"Consensus:{name} must be in [{min}, {max}], got {value}", name);
    }
}
