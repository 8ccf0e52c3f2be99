using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Core.Network.Noise;

/// <summary>Optional knobs for <see cref="NoiseSecurity"/>; the defaults are what production wants.</summary>
public sealed class NoiseHandshakeOptions
{
    public static NoiseHandshakeOptions Default { get; } = new();

    /// <summary>Where the X25519 static and ephemeral keys come from (fixed keys in known-answer tests).</summary>
    public INoiseKeySource KeySource { get; init; } = RandomNoiseKeySource.Instance;

    /// <summary>Muxer protocol IDs advertised as early data in NoiseExtensions.stream_muxers; none by default.</summary>
    public IReadOnlyList<string> StreamMuxers { get; init; } = [];

    public ILogger Logger { get; init; } = NullLogger.Instance;
}
