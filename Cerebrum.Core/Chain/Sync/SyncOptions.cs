namespace Cerebrum.Core.Chain.Sync;

/// <summary>Limits of <c>/cerebrum/sync/1.0.0</c>, on both sides.</summary>
public sealed record SyncOptions
{
    /// <summary>Most blocks one response carries (a server also caps the client's max_count at this).</summary>
    public int MaxBlocksPerResponse { get; init; } = 64;

    /// <summary>A server stops adding blocks once the response would pass this (it always sends at least one).</summary>
    public int MaxResponseBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>How long a client waits for one response (including opening the stream).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public void Validate()
    {
        if (MaxBlocksPerResponse is < 1 or > 10_000) throw new ArgumentOutOfRangeException(nameof(MaxBlocksPerResponse), MaxBlocksPerResponse, "must be 1 to 10000");
        if (MaxResponseBytes < 64 * 1024) throw new ArgumentOutOfRangeException(nameof(MaxResponseBytes), MaxResponseBytes, "must be at least 64 KiB");
        if (RequestTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RequestTimeout), RequestTimeout, "must be positive");
    }
}
