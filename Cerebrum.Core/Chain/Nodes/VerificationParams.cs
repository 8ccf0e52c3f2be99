namespace Cerebrum.Core.Chain.Nodes;

/// <summary>
/// The genesis parameters of node verification (<c>params.verification</c> in the genesis file): how fresh an
/// attestation must be, jail time, slashing and the finder's share, the reputation average's smoothing, dispute
/// lifetime and the fee an evidence transaction must carry. Consensus-critical like the rest of <see cref="ChainParams"/>.
/// </summary>
public sealed record VerificationParams
{
    /// <summary>An attestation counts while the chain is at most this many blocks past the height it was made at.</summary>
    public ulong AttestationWindow { get; init; } = 1_000;

    /// <summary>How long a jailed node stays jailed (block time) before a fresh passing check can return it to Active.</summary>
    public TimeSpan JailTime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Share of a node's stake taken when evidence against it is upheld, per mille.</summary>
    public uint SlashPermille { get; init; } = 100;

    /// <summary>Share of the slashed amount paid to whoever submitted the evidence, per mille; the rest goes to the block's proposer.</summary>
    public uint FinderSharePermille { get; init; } = 500;

    /// <summary>The reputation moves 1/this of the way to each new sample (an integer moving average).</summary>
    public uint ReputationSmoothing { get; init; } = 16;

    /// <summary>Blocks an undecided dispute stays open.</summary>
    public ulong DisputeWindow { get; init; } = 1_000;

    /// <summary>Smallest fee of an evidence transaction (micro-CER): each makes every validator re-execute a job.</summary>
    public ulong EvidenceFee { get; init; } = 1_000;

    /// <summary>The throughput a node that claims none is challenged and scored at (MFLOPS).</summary>
    public ulong MinClaimedMflops { get; init; } = 1_000;

    /// <exception cref="ChainException">A value out of range.</exception>
    public void Validate()
    {
        if (AttestationWindow is 0 or > 1_000_000) throw Invalid("attestationWindow must be 1 to 1,000,000 blocks");
        if (JailTime < TimeSpan.Zero || JailTime > TimeSpan.FromDays(365)) throw Invalid("jailTime must be 0 to 365 days");
        if (SlashPermille > 1000) throw Invalid("slashPermille must be at most 1000");
        if (FinderSharePermille > 1000) throw Invalid("finderSharePermille must be at most 1000");
        if (ReputationSmoothing is 0 or > 1_000_000) throw Invalid("reputationSmoothing must be 1 to 1,000,000");
        if (DisputeWindow is 0 or > 1_000_000) throw Invalid("disputeWindow must be 1 to 1,000,000 blocks");
        if (MinClaimedMflops == 0) throw Invalid("minClaimedMflops must be positive");
    }

    private static ChainException Invalid(string message) => new(new ChainError(ChainErrorCode.InvalidField, "genesis params.verification: " + message));
}
