namespace Cerebrum.Core.Verification;

/// <summary>
/// How far a node's output is from the validator's own run of the same job: cosine similarity and relative L2 error
/// (||node − own|| / ||own||) over all output elements. ONNX Runtime is not bit-deterministic across execution providers
/// (CPU and CUDA sum in other orders, CUDA may use TF32), so outputs are compared within a tolerance, never bit for bit.
/// </summary>
public readonly record struct OutputComparison(double Cosine, double RelativeL2)
{
    public static OutputComparison Of(ReadOnlySpan<float> own, ReadOnlySpan<float> node)
    {
        if (own.Length != node.Length) return new OutputComparison(-1, double.PositiveInfinity);
        double dot = 0, ownNorm = 0, nodeNorm = 0, difference = 0;
        for (var i = 0; i < own.Length; i++)
        {
            double a = own[i], b = node[i];
            if (!double.IsFinite(b)) return new OutputComparison(-1, double.PositiveInfinity);
            dot += a * b;
            ownNorm += a * a;
            nodeNorm += b * b;
            difference += (a - b) * (a - b);
        }
        if (ownNorm == 0) return new OutputComparison(nodeNorm == 0 ? 1 : -1, nodeNorm == 0 ? 0 : double.PositiveInfinity);
        var cosine = nodeNorm == 0 ? 0 : dot / Math.Sqrt(ownNorm * nodeNorm);
        return new OutputComparison(cosine, Math.Sqrt(difference / ownNorm));
    }
}
