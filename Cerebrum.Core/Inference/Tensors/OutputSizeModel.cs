namespace Cerebrum.Core.Inference.Tensors;

/// <summary>
/// How a model's output shapes follow its inputs' dynamic dimensions, learnt at load from two probe runs with distinct
/// small values for every dynamic input dimension: an output dimension that keeps its value is fixed, one that takes
/// the values of one input dimension follows it. Declared output signatures do not say this (MiniLM's hidden size is a
/// symbol, "Addlast_hidden_state_dim_2"), so the model is asked. An output whose shape follows neither rule (a reshape
/// that multiplies two dimensions, say) makes the prediction unavailable (<see cref="Learn"/> returns null).
/// </summary>
public sealed class OutputSizeModel
{
    private readonly IReadOnlyList<(int ElementSize, IReadOnlyList<(long Fixed, string? Follows)> Dims)> _outputs;

    private OutputSizeModel(IReadOnlyList<(int, IReadOnlyList<(long, string?)>)> outputs) => _outputs = outputs;

    /// <summary>The key under which a dynamic input dimension's value is known: its symbol, or "input#axis" when it has none.</summary>
    public static string DimensionKey(TensorSignature input, int axis) =>
        input.DimensionNames[axis] is { Length: > 0 } symbol ? symbol : $"{input.Name}#{axis}";

    /// <summary>Predicted output bytes for these dynamic-dimension values (keys as <see cref="DimensionKey"/>).</summary>
    public long Predict(IReadOnlyDictionary<string, long> dimensions)
    {
        long total = 0;
        foreach (var (size, dims) in _outputs)
        {
            long elements = 1;
            foreach (var (value, follows) in dims)
            {
                var d = follows is null ? value : dimensions.GetValueOrDefault(follows, 0);
                elements = d == 0 ? 0 : elements > long.MaxValue / d ? long.MaxValue : elements * d;
            }
            total = elements > (long.MaxValue - total) / size ? long.MaxValue : total + elements * size;
        }
        return total;
    }

    /// <summary>Runs the model twice on zero-filled inputs and learns its output shapes; null when they cannot be predicted.</summary>
    /// <param name="maxDimension">Bound on the probe's dimension values (e.g. the position table's length).</param>
    /// <exception cref="Exception">Whatever the run throws (the caller decides what a failed probe means).</exception>
    public static OutputSizeModel? Learn(IReadOnlyList<TensorSignature> inputs, Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> run, long maxDimension)
    {
        var keys = inputs.SelectMany(i => Enumerable.Range(0, i.Rank).Where(i.IsDynamic).Select(a => DimensionKey(i, a))).Distinct(StringComparer.Ordinal).ToList();
        // Probe A gives key k the value 3 + 2k, probe B 4 + 2k: every key has its own pair, no key's pair is another's.
        var a = keys.Select((k, i) => (k, 3L + 2 * i)).ToDictionary(p => p.k, p => p.Item2, StringComparer.Ordinal);
        var b = keys.Select((k, i) => (k, 4L + 2 * i)).ToDictionary(p => p.k, p => p.Item2, StringComparer.Ordinal);
        if (keys.Count > 0 && 4L + 2 * (keys.Count - 1) > maxDimension) return null;
        var outA = run(ProbeInputs(inputs, a));
        var outB = run(ProbeInputs(inputs, b));
        if (outA.Count != outB.Count) return null;
        var outputs = new List<(int, IReadOnlyList<(long, string?)>)>();
        for (var o = 0; o < outA.Count; o++)
        {
            var (x, y) = (outA[o], outB[o]);
            if (x.Shape.Count != y.Shape.Count || x.DataType != y.DataType) return null;
            var dims = new List<(long, string?)>();
            for (var axis = 0; axis < x.Shape.Count; axis++)
            {
                if (x.Shape[axis] == y.Shape[axis]) { dims.Add((x.Shape[axis], null)); continue; }
                var follows = keys.FirstOrDefault(k => a[k] == x.Shape[axis] && b[k] == y.Shape[axis]);
                if (follows is null) return null;
                dims.Add((0, follows));
            }
            outputs.Add((TensorDataTypes.SizeOf(x.DataType), dims));
        }
        return new OutputSizeModel(outputs);
    }

    private static List<Tensor> ProbeInputs(IReadOnlyList<TensorSignature> inputs, Dictionary<string, long> values) =>
        [.. inputs.Select(i =>
        {
            var shape = Enumerable.Range(0, i.Rank).Select(axis => i.IsDynamic(axis) ? values[DimensionKey(i, axis)] : i.Dimensions[axis]).ToList();
            var bytes = checked((int)(Tensor.CountElements(shape)!.Value * TensorDataTypes.SizeOf(i.DataType)));
            return new Tensor(i.Name, i.DataType, shape, new byte[bytes]);
        })];
}
