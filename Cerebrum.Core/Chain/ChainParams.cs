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
    /// The chain's share of every channel claim and lease payout, in basis points (200 = 2 %), rounded down; it goes to
    /// the block's proposer with the fees.
    /// </summary>
    public uint TakeRateBasisPoints { get; init; } = 200;

    /// <summary>How long a node may still claim a channel after its payer started closing it, measured in block time.</summary>
    public TimeSpan ChannelSettleDelay { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Shortest lease, in hours.</summary>
    public uint MinLeaseHours { get; init; } = 1;

    /// <summary>Longest lease, in hours (30 days by default).</summary>
    public uint MaxLeaseHours { get; init; } = 720;

    /// <exception cref="ChainException">A value out of range.</exception>
    public void Validate()
    {
        if (UnbondingDelay < TimeSpan.Zero || UnbondingDelay > TimeSpan.FromDays(3650)) throw Invalid("unbondingDelay must be 0 to 3650 days");
        if (MaxBlockTxs < 1) throw Invalid("maxBlockTxs must be at least 1");
        if (MaxTxBytes < 128) throw Invalid("maxTxBytes must be at least 128");
        if (MaxBlockBytes < MaxTxBytes) throw Invalid("maxBlockBytes must be at least maxTxBytes");
        if (MaxBlockBytes > 64 * 1024 * 1024) throw Invalid("maxBlockBytes must be at most 64 MiB");
        if (StakePerPower == 0) throw Invalid("stakePerPower must be positive");
        if (TakeRateBasisPoints > 10_000) throw Invalid("takeRateBasisPoints must be 0 to 10000");
        if (ChannelSettleDelay <= TimeSpan.Zero || ChannelSettleDelay > TimeSpan.FromDays(365))
            throw Invalid("channelSettleDelay must be more than 0 and at most 365 days");
        if (MinLeaseHours < 1 || MaxLeaseHours < MinLeaseHours || MaxLeaseHours > 24 * 3650)
            throw Invalid("lease hours need 1 <= minLeaseHours <= maxLeaseHours <= 87600");
    }

    private static ChainException Invalid(string message) => new(new ChainError(ChainErrorCode.InvalidField, "genesis params: " + message));
}
