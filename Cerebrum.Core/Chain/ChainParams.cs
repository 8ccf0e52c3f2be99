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

    /// <summary>
    /// Burned, on top of the fee, by a transaction that creates an account (a transfer to an address the chain has never
    /// seen): state is kept by every validator, so an account must cost more than a fee.
    /// </summary>
    public ulong AccountCreationFee { get; init; } = 1_000;

    /// <summary>
    /// The most validators a height may have: the genesis validators and stakers with the most power (ties by peer ID).
    /// Bounds every block's validator work (the set is kept in order, not recomputed over all accounts).
    /// </summary>
    public int MaxValidators { get; init; } = 100;

    /// <summary>Share of a double-signing validator's stake (and of its unbonding begun after the offence) burned, in basis points.</summary>
    public uint SlashFractionBasisPoints { get; init; } = 500;

    /// <summary>How long a slashed validator stays jailed (out of the set) before an Unjail transaction can bring it back.</summary>
    public TimeSpan JailDuration { get; init; } = TimeSpan.FromDays(1);

    /// <summary>Evidence is refused once it is older than both this many blocks and <see cref="MaxEvidenceAge"/> (as in CometBFT).</summary>
    public ulong MaxEvidenceAgeBlocks { get; init; } = 100_000;

    /// <summary>Evidence is refused once it is older than both this much block time and <see cref="MaxEvidenceAgeBlocks"/>.</summary>
    public TimeSpan MaxEvidenceAge { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The most pieces of evidence one block may carry.</summary>
    public int MaxBlockEvidence { get; init; } = 16;

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
        if (MaxValidators is < 1 or > 10_000) throw Invalid("maxValidators must be 1 to 10000");
        if (SlashFractionBasisPoints > 10_000) throw Invalid("slashFractionBasisPoints must be 0 to 10000");
        if (JailDuration < TimeSpan.Zero || JailDuration > TimeSpan.FromDays(3650)) throw Invalid("jailDuration must be 0 to 3650 days");
        if (MaxEvidenceAge < TimeSpan.Zero || MaxEvidenceAge > TimeSpan.FromDays(3650)) throw Invalid("maxEvidenceAge must be 0 to 3650 days");
        if (MaxBlockEvidence is < 0 or > 1_000) throw Invalid("maxBlockEvidence must be 0 to 1000");
        if (MessageDelay <= TimeSpan.Zero || MessageDelay > Consensus.SynchronyParams.MaxMessageDelay || MessageDelay.Ticks % TimeSpan.TicksPerMillisecond != 0)
            throw Invalid($"messageDelay must be whole milliseconds, positive and at most {Consensus.SynchronyParams.MaxMessageDelay.TotalMinutes:0} min");
    }

    private static ChainException Invalid(string message) => new(new ChainError(ChainErrorCode.InvalidField, "genesis params: " + message));
}
