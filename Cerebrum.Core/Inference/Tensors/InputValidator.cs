using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Inference.Tensors;

/// <summary>Checks a request's tensors against a model's input signature before anything runs.</summary>
internal static class InputValidator
{
    /// <exception cref="InferenceException">BadInput, with the first problem found.</exception>
    public static void Validate(ModelInfo model, IReadOnlyList<Tensor> inputs, long maxRequestBytes)
    {
        long total = 0;
        foreach (var tensor in inputs) total += tensor.Data.Length;
        if (total > maxRequestBytes)
            throw Bad($"inputs total {total} bytes, above the limit of {maxRequestBytes} bytes");

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
                else if (spec.DimensionNames[axis] is { Length: > 0 } symbol)
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
    }

    private static string Describe(IReadOnlyList<TensorSignature> inputs) => string.Join("; ", inputs);

    private static InferenceException Bad(string reason) => new(InferenceErrorCode.BadInput, reason);
}
