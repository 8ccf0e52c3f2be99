namespace Cerebrum.Core.Verification;

/// <summary>
/// How a validator sizes and judges hardware challenges. The shape is sized so that the claimed throughput finishes it
/// in <see cref="TargetDuration"/>; the validator waits <see cref="DeadlineFactor"/> times that (plus the network
/// allowance), and passes a node whose measured throughput is at least <see cref="MinThroughputPermille"/> of its claim.
/// </summary>
public sealed record ChallengePolicy
{
    public TimeSpan TargetDuration { get; init; } = TimeSpan.FromMilliseconds(250);

    public double DeadlineFactor { get; init; } = 3;

    public uint MinThroughputPermille { get; init; } = 500;

    /// <summary>Rows the validator opens and recomputes: a node that computed a share q of the rows passes with q^this.</summary>
    public int OpenedRows { get; init; } = 8;

    /// <summary>Matrix width for CPU and GPU claims (a GPU needs wide products to reach its throughput).</summary>
    public int CpuWidth { get; init; } = 256;

    public int GpuWidth { get; init; } = 1024;

    public int Depth { get; init; } = 16;

    public int DistinctWeights { get; init; } = 4;

    /// <summary>Largest output asked for (rows × width × 4 bytes); beyond it a bigger claim gets a deeper chain instead of more rows.</summary>
    public long MaxOutputBytes { get; init; } = 64L * 1024 * 1024;

    /// <exception cref="ArgumentException">The first setting out of range.</exception>
    public void Validate()
    {
        if (TargetDuration <= TimeSpan.Zero || TargetDuration > TimeSpan.FromMinutes(1)) throw new ArgumentException("TargetDuration must be within (0, 1 min]");
        if (DeadlineFactor is < 1 or > 100) throw new ArgumentException("DeadlineFactor must be 1..100");
        if (MinThroughputPermille > 1000) throw new ArgumentException("MinThroughputPermille must be at most 1000");
        if (OpenedRows is < 1 or > HardwareChallenge.MaxOpenedRows) throw new ArgumentException($"OpenedRows must be 1..{HardwareChallenge.MaxOpenedRows}");
        if (MaxOutputBytes < 1024 * 1024 || MaxOutputBytes > ChallengeShape.MaxOutputBytes) throw new ArgumentException("MaxOutputBytes must be 1 MiB to 1 GiB");
        foreach (var width in new[] { CpuWidth, GpuWidth })
            if (new ChallengeShape(OpenedRows, width, Depth, DistinctWeights).Problem() is { } problem)
                throw new ArgumentException("challenge shape settings: " + problem);
    }

    /// <summary>
    /// The shape for a node claiming <paramref name="claimedMflops"/>: the class's width, and as many rows (at least the
    /// opened rows, at most <see cref="MaxOutputBytes"/> of output) as the claim computes through <see cref="Depth"/>
    /// layers in the target duration; a claim beyond that gets more layers (up to the maximum depth) instead.
    /// </summary>
    public ChallengeShape ShapeFor(ulong claimedMflops, bool gpu)
    {
        var width = gpu ? GpuWidth : CpuWidth;
        var wanted = claimedMflops * 1e6 * TargetDuration.TotalSeconds;
        var perRowLayer = 2.0 * width * (double)width;
        var maxRows = (int)Math.Min(ChallengeShape.MaxRows, Math.Min(MaxOutputBytes, ChallengeShape.MaxOutputBytes) / (width * sizeof(float)));
        var rows = (int)Math.Clamp(Math.Ceiling(wanted / (perRowLayer * Depth)), OpenedRows, Math.Max(OpenedRows, maxRows));
        var depth = (int)Math.Clamp(Math.Ceiling(wanted / (perRowLayer * rows)), Depth, ChallengeShape.MaxDepth);
        return new ChallengeShape(rows, width, depth, DistinctWeights);
    }

    /// <summary>How long to wait for the result: the claimed time times the factor, plus the network allowance.</summary>
    public TimeSpan DeadlineFor(ChallengeShape shape, ulong claimedMflops, TimeSpan networkAllowance)
    {
        var claimed = TimeSpan.FromSeconds(shape.Operations / (Math.Max(claimedMflops, 1UL) * 1e6));
        return claimed * DeadlineFactor + networkAllowance;
    }
}
