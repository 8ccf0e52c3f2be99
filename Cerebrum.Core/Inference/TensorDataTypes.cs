namespace Cerebrum.Core.Inference;

/// <summary>Facts about <see cref="TensorDataType"/> values.</summary>
public static class TensorDataTypes
{
    /// <summary>Bytes per element.</summary>
    public static int SizeOf(TensorDataType type) => type switch
    {
        TensorDataType.Bool or TensorDataType.UInt8 or TensorDataType.Int8 => 1,
        TensorDataType.UInt16 or TensorDataType.Int16 or TensorDataType.Float16 or TensorDataType.BFloat16 => 2,
        TensorDataType.Float32 or TensorDataType.Int32 or TensorDataType.UInt32 => 4,
        TensorDataType.Float64 or TensorDataType.Int64 or TensorDataType.UInt64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a supported tensor element type"),
    };

    /// <summary>True for the element types this layer carries (ONNX numeric and bool tensors; no strings).</summary>
    public static bool IsSupported(TensorDataType type) => Enum.IsDefined(type);

    /// <summary>Maps an ONNX element type number; null for types this layer does not carry (string, complex, 4-bit, 8-bit floats).</summary>
    public static TensorDataType? FromOnnx(int onnxElementType)
    {
        var type = (TensorDataType)onnxElementType;
        return IsSupported(type) ? type : null;
    }
}
