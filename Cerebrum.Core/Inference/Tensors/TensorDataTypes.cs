namespace Cerebrum.Core.Inference.Tensors;

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

    /// <summary>The Open Inference Protocol (KServe v2) name of an element type: FP32, INT64, BOOL, ...</summary>
    public static string ToKServeName(TensorDataType type) => type switch
    {
        TensorDataType.Float32 => "FP32",
        TensorDataType.Float64 => "FP64",
        TensorDataType.Float16 => "FP16",
        TensorDataType.BFloat16 => "BF16",
        TensorDataType.Int8 => "INT8",
        TensorDataType.Int16 => "INT16",
        TensorDataType.Int32 => "INT32",
        TensorDataType.Int64 => "INT64",
        TensorDataType.UInt8 => "UINT8",
        TensorDataType.UInt16 => "UINT16",
        TensorDataType.UInt32 => "UINT32",
        TensorDataType.UInt64 => "UINT64",
        TensorDataType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a supported tensor element type"),
    };

    /// <summary>The element type of a KServe v2 datatype name (case-insensitive); null for names this layer does not carry (e.g. BYTES).</summary>
    public static TensorDataType? FromKServeName(string name) =>
        Enum.GetValues<TensorDataType>().Cast<TensorDataType?>().FirstOrDefault(t => string.Equals(ToKServeName(t!.Value), name, StringComparison.OrdinalIgnoreCase));
}
