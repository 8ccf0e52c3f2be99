using Cerebrum.Core.Inference.Tensors;
using Microsoft.ML.OnnxRuntime;

namespace Cerebrum.Core.Inference.Store;

/// <summary>Reads a loaded session's inputs and outputs into ORT-independent <see cref="TensorSignature"/>s.</summary>
internal static class OnnxSignatureReader
{
    /// <exception cref="InvalidDataException">An input or output is not a tensor of a type this layer carries.</exception>
    public static (IReadOnlyList<TensorSignature> Inputs, IReadOnlyList<TensorSignature> Outputs) Read(InferenceSession session) =>
        (Convert(session.InputMetadata, "input"), Convert(session.OutputMetadata, "output"));

    private static List<TensorSignature> Convert(IReadOnlyDictionary<string, NodeMetadata> metadata, string kind)
    {
        var result = new List<TensorSignature>(metadata.Count);
        foreach (var (name, node) in metadata)
        {
            if (node.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR)
                throw new InvalidDataException($"{kind} '{name}' is a {node.OnnxValueType}, only tensors are supported");
            var type = TensorDataTypes.FromOnnx((int)node.ElementDataType)
                ?? throw new InvalidDataException($"{kind} '{name}' has element type {node.ElementDataType}, which is not supported");
            var dims = node.Dimensions.Select(d => (long)d).ToArray();
            var symbols = node.SymbolicDimensions;
            var names = dims.Select((d, i) => d < 0 && i < symbols.Length ? symbols[i] ?? "" : "").ToArray();
            result.Add(new TensorSignature(name, type, dims, names));
        }
        return result;
    }
}
