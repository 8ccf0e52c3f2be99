namespace Cerebrum.Core.Inference.Status;

/// <summary>Bounds a received heartbeat must respect (see <see cref="NodeStatusValidator"/>).</summary>
public sealed record NodeStatusLimits
{
    /// <summary>Largest gossip payload (a <c>SignedNodeStatus</c>) accepted.</summary>
    public int MaxBytes { get; init; } = 64 * 1024;

    /// <summary>Most models one status may list.</summary>
    public int MaxModels { get; init; } = 256;

    /// <summary>Most dial addresses one status may list.</summary>
    public int MaxAddresses { get; init; } = 16;

    /// <summary>How far ahead of our clock a status timestamp may be (clock skew).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How old a status may be when it arrives; older ones are stale.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromSeconds(60);

    /// <exception cref="ArgumentException">A bound is not positive.</exception>
    public void Validate()
    {
        if (MaxBytes <= 0) throw new ArgumentException($"MaxBytes must be positive, not {MaxBytes}");
        if (MaxModels <= 0) throw new ArgumentException($"MaxModels must be positive, not {MaxModels}");
        if (MaxAddresses < 0) throw new ArgumentException($"MaxAddresses must not be negative, not {MaxAddresses}");
        if (MaxFutureSkew <= TimeSpan.Zero) throw new ArgumentException($"MaxFutureSkew must be positive, not {MaxFutureSkew}");
        if (MaxAge <= TimeSpan.Zero) throw new ArgumentException($"MaxAge must be positive, not {MaxAge}");
    }
}
