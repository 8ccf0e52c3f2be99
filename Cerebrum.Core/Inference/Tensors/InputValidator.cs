using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Inference.Tensors;

/// <summary>Checks a request's tensors against a model's input signature and limits before anything runs.</summary>
internal static class InputValidator
{
    /// <summary>Checks the request and says what it will hold in memory.</summary>
    /// <param name="outputs">Predicts the outputs' size; null when the model's output sizes cannot be predicted.</param>
    /// <exception cref="InferenceException">BadInput, with the first problem found.</exception>
    public static RequestCost Validate(ModelInfo model, IReadOnlyList<Tensor> inputs, ModelLimits limits, OutputSizeModel? outputs = null)
    {
        var maxRequestBytes = limits.MaxInputBytes;
        long total = 0;
        foreach (var tensor in inputs) total += tensor.Data.Length;
        if (total > maxRequestBytes)
            throw Bad($"inputs total {total} bytes, above the limit of {maxRequestBytes} bytes");
        var dimensions = new Dictionary<string, long>(StringComparer.Ordinal);

        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Dynamic dimensions that share a symbolic name (e.g. "batch") must agree across inputs.
        var symbols = new Dictionary<string, (long Value, string Input)>(StringComparer.Ordinal);
        foreach (var tensor in inputs)
        {
            if (!seen.Add(tensor.Name)) throw Bad($"input '{tensor.Name}' is given twice");
            var spec = model.Inputs.FirstOrDefault(s => s.Name == tensor.Name)
                ?? throw Bad($"unknown input '{tensor.Name}'; the model's inputs are {Describe(model.Inputs)}");
            if (!TensorDataTypes.IsSupported(tensor.DataType))
                throw Bad($"input '{tensor.Name}' has unsupported element type {(int)tensor.DataType}");
            if (tensor.DataType != spec.DataType)
                throw Bad($"input '{tensor.Name}' is {tensor.DataType}, the model expects {spec.DataType}");
            if (tensor.Shape.Count != spec.Rank)
                throw Bad($"input '{tensor.Name}' has rank {tensor.Shape.Count} (shape [{string.Join(", ", tensor.Shape)}]), the model expects rank {spec.Rank} ({spec})");
            for (var axis = 0; axis < spec.Rank; axis++)
            {
                var actual = tensor.Shape[axis];
                if (actual < 0) throw Bad($"input '{tensor.Name}' dimension {axis} is negative ({actual})");
                if (!spec.IsDynamic(axis))
                {
                    if (actual != spec.Dimensions[axis])
                        throw Bad($"input '{tensor.Name}' dimension {axis} is {actual}, the model requires {spec.Dimensions[axis]} ({spec})");
                }
                else
                {
                    if (axis == 0 && actual > limits.MaxRows)
                        throw Bad($"input '{tensor.Name}' has {actual} rows (dimension 0), above model {model.Name}'s limit of {limits.MaxRows}");
                    if (axis > 0 && actual > limits.MaxSequenceLength)
                        throw Bad($"input '{tensor.Name}' dimension {axis} is {actual}, above model {model.Name}'s limit of {limits.MaxSequenceLength} (its maximum sequence length)");
                    dimensions[OutputSizeModel.DimensionKey(spec, axis)] = actual;
                }
                if (spec.IsDynamic(axis) && spec.DimensionNames[axis] is { Length: > 0 } symbol)
                {
                    if (symbols.TryGetValue(symbol, out var earlier) && earlier.Value != actual)
                        throw Bad($"input '{tensor.Name}' dimension {axis} ('{symbol}') is {actual}, but input '{earlier.Input}' gives '{symbol}' = {earlier.Value}");
                    symbols[symbol] = (actual, tensor.Name);
                }
            }
            var elements = Tensor.CountElements(tensor.Shape) ?? throw Bad($"input '{tensor.Name}' shape [{string.Join(", ", tensor.Shape)}] overflows");
            var size = TensorDataTypes.SizeOf(tensor.DataType);
            if (elements > maxRequestBytes / size)
                throw Bad($"input '{tensor.Name}' shape [{string.Join(", ", tensor.Shape)}] needs more than the limit of {maxRequestBytes} bytes");
            if (tensor.Data.Length != elements * size)
                throw Bad($"input '{tensor.Name}' carries {tensor.Data.Length} bytes, shape [{string.Join(", ", tensor.Shape)}] of {tensor.DataType} needs {elements * size}");
        }
        var missing = model.Inputs.Where(s => !seen.Contains(s.Name)).Select(s => s.Name).ToList();
        if (missing.Count > 0) throw Bad($"missing input{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}");
        var outputBytes = outputs?.Predict(dimensions);
        if (outputBytes > limits.MaxOutputBytes)
            throw Bad($"the outputs of this request would take {outputBytes} bytes, above model {model.Name}'s limit of {limits.MaxOutputBytes} bytes; send fewer or shorter rows");
        return new RequestCost(total, outputBytes);
    }

    private static string Describe(IReadOnlyList<TensorSignature> inputs) => string.Join("; ", inputs);

    private static InferenceException Bad(string reason) => new(InferenceErrorCode.BadInput, reason);
}
