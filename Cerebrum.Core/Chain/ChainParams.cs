namespace Cerebrum.Core.Chain;

/// <summary>Consensus-critical parameters, fixed by the genesis file: every validator must use the same values.</summary>
public sealed record ChainParams
{
    /// <summary>How long unstaked balance stays locked, measured in block time.</summary>
    public TimeSpan UnbondingDelay { get; init; } = TimeSpan.FromDays(1);

    public int MaxBlockTxs { get; init; } = 5_000;

    public int MaxBlockBytes { get; init; } = 2 * 1024 * 1024;

    public int MaxTxBytes { get; init; } = 16 * 1024;

    /// <summary>Smallest fee (micro-CER) a transaction may carry.</summary>
    public ulong MinFee { get; init; } = 1;

    /// <summary>Stake (micro-CER) worth one unit of voting power; stake below it gives no power.</summary>
    public ulong StakePerPower { get; init; } = 1_000_000;

    /// <summary>Smallest total stake a registered node must keep bonded.</summary>
    public ulong MinNodeStake { get; init; } = 1_000_000;

    /// <summary>
    /// Proposer-based timestamps: how far apart two correct validators' clocks may be. A proposal whose block time is
    /// more than this ahead of a validator's clock when it arrives gets its nil prevote.
    /// </summary>
    public TimeSpan Precision { get; init; } = Consensus.SynchronyParams.Default.Precision;

    /// <summary>Proposer-based timestamps: how long a proposal may take to reach every validator (10% more each round).</summary>
    public TimeSpan MessageDelay { get; init; } = Consensus.SynchronyParams.Default.MessageDelay;

    /// <summary>The timeliness bounds consensus applies to new proposals (PBTS).</summary>
    public Consensus.SynchronyParams Synchrony => new(Precision, MessageDelay);

    /// <exception cref="ChainException">A value out of range.</exception>
    public void Validate()
    {
        if (UnbondingDelay < TimeSpan.Zero || UnbondingDelay > TimeSpan.FromDays(3650)) throw Invalid("unbondingDelay must be 0 to 3650 days");
        if (MaxBlockTxs < 1) throw Invalid("maxBlockTxs must be at least 1");
        if (MaxTxBytes < 128) throw Invalid("maxTxBytes must be at least 128");
        if (MaxBlockBytes < MaxTxBytes) throw Invalid("maxBlockBytes must be at least maxTxBytes");
        if (MaxBlockBytes > 64 * 1024 * 1024) throw Invalid("maxBlockBytes must be at most 64 MiB");
        if (StakePerPower == 0) throw Invalid("stakePerPower must be positive");
        if (Precision <= TimeSpan.Zero || Precision > Consensus.SynchronyParams.MaxPrecision || Precision.Ticks % TimeSpan.TicksPerMillisecond != 0)
            throw Invalid($"precision must be whole milliseconds, positive and at most {Consensus.SynchronyParams.MaxPrecision.TotalSeconds:0} s");
        if (MessageDelay <= TimeSpan.Zero || MessageDelay > Consensus.SynchronyParams.MaxMessageDelay || MessageDelay.Ticks % TimeSpan.TicksPerMillisecond != 0)
            throw Invalid($"messageDelay must be whole milliseconds, positive and at most {Consensus.SynchronyParams.MaxMessageDelay.TotalMinutes:0} min");
    }

    private static ChainException Invalid(string message) => new(new ChainError(ChainErrorCode.InvalidField, "genesis params: " + message));
}
