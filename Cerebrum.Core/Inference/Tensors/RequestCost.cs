namespace Cerebrum.Core.Inference.Tensors;

/// <summary>
/// What a checked request will hold in memory: its inputs, and its outputs as predicted from the input shapes (null
/// when the model's output sizes cannot be predicted).
/// </summary>
public sealed record RequestCost(long InputBytes, long? OutputBytes)
{
    /// <summary>Input plus predicted output bytes.</summary>
    public long TotalBytes => checked(InputBytes + (OutputBytes ?? 0));
}
