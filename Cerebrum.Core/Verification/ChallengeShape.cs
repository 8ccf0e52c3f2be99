using Cerebrum.Core.Verification.Proto;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The size of a challenge model: <see cref="Rows"/> input rows of <see cref="Width"/> values through
/// <see cref="Depth"/> matrix products with <see cref="Width"/>² weights, <see cref="DistinctWeights"/> of them reused
/// in an order drawn from the seed (so the model stays small while the work grows with the depth).
/// </summary>
public sealed record ChallengeShape(int Rows, int Width, int Depth, int DistinctWeights)
{
    public const int MaxRows = 1 << 20;
    public const int MinWidth = 8;
    public const int MaxWidth = 8192;
    public const int MaxDepth = 256;
    public const int MaxDistinctWeights = 16;

    /// <summary>Largest output (rows × width float32) a node is asked to hold: 1 GiB.</summary>
    public const long MaxOutputBytes = 1L << 30;

    /// <summary>Largest model (the distinct weights, float32): 1 GiB, well under protobuf's 2 GiB.</summary>
    public const long MaxModelBytes = 1L << 30;

    /// <summary>Multiply-adds count twice: 2 × rows × width² × depth.</summary>
    public double Operations => 2.0 * Rows * Width * (double)Width * Depth;

    public long OutputBytes => (long)Rows * Width * sizeof(float);

    public long ModelBytes => (long)DistinctWeights * Width * Width * sizeof(float);

    /// <summary>Null when the shape is within the limits, else what is wrong.</summary>
    public string? Problem()
    {
        if (Rows is < 1 or > MaxRows) return $"rows must be 1..{MaxRows}, not {Rows}";
        if (Width is < MinWidth or > MaxWidth) return $"width must be {MinWidth}..{MaxWidth}, not {Width}";
        if (Depth is < 1 or > MaxDepth) return $"depth must be 1..{MaxDepth}, not {Depth}";
        if (DistinctWeights < 1 || DistinctWeights > Math.Min(Depth, MaxDistinctWeights))
            return $"distinct weights must be 1..{Math.Min(Depth, MaxDistinctWeights)}, not {DistinctWeights}";
        if (OutputBytes > MaxOutputBytes) return $"the output would take {OutputBytes} bytes, more than {MaxOutputBytes}";
        if (ModelBytes > MaxModelBytes) return $"the model would take {ModelBytes} bytes, more than {MaxModelBytes}";
        return null;
    }

    public ChallengeShapeMessage ToMessage() => new() { Rows = (uint)Rows, Width = (uint)Width, Depth = (uint)Depth, DistinctWeights = (uint)DistinctWeights };

    /// <exception cref="FormatException">Missing, or out of the limits.</exception>
    public static ChallengeShape FromMessage(ChallengeShapeMessage? message)
    {
        if (message is null) throw new FormatException("the challenge has no shape");
        if (message.Rows > MaxRows || message.Width > MaxWidth || message.Depth > MaxDepth || message.DistinctWeights > MaxDistinctWeights)
            throw new FormatException("the challenge shape is out of range");
        var shape = new ChallengeShape((int)message.Rows, (int)message.Width, (int)message.Depth, (int)message.DistinctWeights);
        return shape.Problem() is { } problem ? throw new FormatException("the challenge shape is invalid: " + problem) : shape;
    }
}
