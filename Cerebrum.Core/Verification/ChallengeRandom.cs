namespace Cerebrum.Core.Verification;

/// <summary>
/// The challenge's counter-based generator: element <c>i</c> of a stream is SplitMix64's output function applied to
/// <c>key + (i + 1) * golden</c>, so any element (a weight, an input row) is computed on its own, in any order, the same
/// on every machine; integer arithmetic only. Keys come from the challenge seed, which nobody knows before the reveal.
/// </summary>
public static class ChallengeRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    public static ulong Next(ulong key, ulong counter)
    {
        var z = unchecked(key + (counter + 1) * Golden);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>A float uniform in [-<paramref name="scale"/>, <paramref name="scale"/>) from the top 24 bits of element <paramref name="counter"/>.</summary>
    public static float Uniform(ulong key, ulong counter, float scale) =>
        ((int)(Next(key, counter) >> 40) - (1 << 23)) * (scale / (1 << 23));

    /// <summary>Elements <paramref name="first"/>.. of the stream, as uniform floats.</summary>
    public static void Fill(ulong key, ulong first, float scale, Span<float> destination)
    {
        for (var i = 0; i < destination.Length; i++)
            destination[i] = Uniform(key, first + (ulong)i, scale);
    }
}
