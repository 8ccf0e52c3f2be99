namespace Cerebrum.Core.Inference.Tensors;

/// <summary>
/// What one request to a model may ask for, checked before it runs (a request over any of them is <c>bad_input</c>: it
/// would be refused on every node with the same limits).
/// </summary>
/// <param name="MaxRows">Largest dynamic first dimension (the batch) of any input.</param>
/// <param name="MaxSequenceLength">Largest value of any other dynamic dimension; for a transformer, its position table's length.</param>
/// <param name="MaxInputBytes">Largest total input size.</param>
/// <param name="MaxOutputBytes">Largest total output size, predicted from the input shapes (see <see cref="OutputSizeModel"/>).</param>
public sealed record ModelLimits(long MaxRows, long MaxSequenceLength, long MaxInputBytes, long MaxOutputBytes)
{
    public override string ToString() =>
        $"rows ≤ {MaxRows}, sequence ≤ {(MaxSequenceLength == long.MaxValue ? "∞" : MaxSequenceLength)}, inputs ≤ {MaxInputBytes} B, outputs ≤ {MaxOutputBytes} B";
}
