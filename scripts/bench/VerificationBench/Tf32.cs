using Cerebrum.Core.Verification;

namespace Cerebrum.Bench.Verification;

/// <summary>
/// A challenge-model row as a GPU's tensor cores compute it: every product's operands rounded to TF32 (10 mantissa bits),
/// sums in float32 in blocks of 32 (another order than the CPU reference's). The honest numeric noise of the simulation.
/// </summary>
internal static class Tf32
{
    public static float[] Row(ChallengeModel model, float[] input, int skipLayer = -1)
    {
        var n = model.Shape.Width;
        var current = (float[])input.Clone();
        for (var l = 0; l < model.Order.Count; l++)
        {
            if (l == skipLayer) continue;
            var weight = model.Weight(model.Order[l]);
            var next = new float[n];
            for (var j = 0; j < n; j++)
            {
                var total = 0f;
                for (var block = 0; block < n; block += 32)
                {
                    var partial = 0f;
                    for (var i = block; i < block + 32 && i < n; i++) partial += Round(current[i]) * Round(weight[i * n + j]);
                    total += partial;
                }
                next[j] = total;
            }
            current = next;
        }
        return current;
    }

    private static float Round(float value)
    {
        var bits = BitConverter.SingleToInt32Bits(value);
        bits = (bits + 0x1000) & unchecked((int)0xFFFFE000);
        return BitConverter.Int32BitsToSingle(bits);
    }
}
