using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The inputs of a canary job, drawn from a seed and the model's declared signature so that they look like a client's:
/// float inputs uniform in [-1, 1), a dynamic batch of 1 and other dynamic dimensions of <see cref="DynamicLength"/>;
/// integer inputs named like masks all 1, like token types all 0, and otherwise token ids in [1000, 2000) (inside every
/// BERT-style vocabulary). Models with other input types get no canaries.
/// </summary>
public static class CanaryInputs
{
    public const int DynamicLength = 8;

    /// <summary>The inputs for <paramref name="model"/> from <paramref name="seed"/>, or null when its inputs cannot be drawn.</summary>
    public static IReadOnlyList<Tensor>? Create(ModelInfo model, int seed)
    {
        var random = new Random(seed);
        var inputs = new List<Tensor>(model.Inputs.Count);
        foreach (var input in model.Inputs)
        {
            var shape = new long[input.Rank];
            for (var axis = 0; axis < input.Rank; axis++)
                shape[axis] = input.IsDynamic(axis) ? axis == 0 && input.Rank > 1 ? 1 : DynamicLength : input.Dimensions[axis];
            var count = Tensor.CountElements(shape);
            if (count is not { } elements || elements > 1 << 20) return null;
            switch (input.DataType)
            {
                case TensorDataType.Float32:
                    var floats = new float[elements];
                    for (var i = 0; i < floats.Length; i++) floats[i] = (float)(random.NextDouble() * 2 - 1);
                    inputs.Add(Tensor.FromFloats(input.Name, shape, floats));
                    break;
                case TensorDataType.Int64:
                    inputs.Add(Tensor.FromInt64s(input.Name, shape, Integers(input.Name, elements, random)));
                    break;
                case TensorDataType.Int32:
                    inputs.Add(Tensor.FromInt32s(input.Name, shape, [.. Integers(input.Name, elements, random).Select(v => (int)v)]));
                    break;
                default:
                    return null;
            }
        }
        return inputs;
    }

    private static long[] Integers(string name, long count, Random random)
    {
        var values = new long[count];
        var lower = name.ToLowerInvariant();
        for (var i = 0; i < values.Length; i++)
            values[i] = lower.Contains("mask") ? 1 : lower.Contains("type") ? 0 : random.Next(1000, 2000);
        return values;
    }
}
