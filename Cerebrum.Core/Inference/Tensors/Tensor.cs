using System.Runtime.InteropServices;

namespace Cerebrum.Core.Inference.Tensors;

/// <summary>
/// A named tensor as it travels: element type, shape, and the elements' raw little-endian bytes in row-major order.
/// Independent of ONNX Runtime types so that the wire and the API above never see them.
/// </summary>
public sealed record Tensor(string Name, TensorDataType DataType, IReadOnlyList<long> Shape, ReadOnlyMemory<byte> Data)
{
    /// <summary>Product of the dimensions (1 for a scalar); null when a dimension is negative or the product overflows.</summary>
    public long? ElementCount => CountElements(Shape);

    public static long? CountElements(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0) return null;
            try
            {
                count = checked(count * d);
            }
            catch (OverflowException)
            {
                return null;
            }
        }
        return count;
    }

    public static Tensor FromFloats(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> values) =>
        new(name, TensorDataType.Float32, shape, ToLittleEndianBytes(values));

    public static Tensor FromInt64s(string name, IReadOnlyList<long> shape, ReadOnlySpan<long> values) =>
        new(name, TensorDataType.Int64, shape, ToLittleEndianBytes(values));

    public static Tensor FromInt32s(string name, IReadOnlyList<long> shape, ReadOnlySpan<int> values) =>
        new(name, TensorDataType.Int32, shape, ToLittleEndianBytes(values));

    /// <summary>The elements as floats.</summary>
    /// <exception cref="InvalidOperationException">The tensor is not Float32.</exception>
    public float[] ToFloats() => FromLittleEndianBytes<float>(TensorDataType.Float32);

    /// <exception cref="InvalidOperationException">The tensor is not Int64.</exception>
    public long[] ToInt64s() => FromLittleEndianBytes<long>(TensorDataType.Int64);

    private T[] FromLittleEndianBytes<T>(TensorDataType expected) where T : unmanaged
    {
        if (DataType != expected)
            throw new InvalidOperationException($"tensor '{Name}' is {DataType}, not {expected}");
        var values = MemoryMarshal.Cast<byte, T>(Data.Span).ToArray();
        if (!BitConverter.IsLittleEndian) ReverseEach(MemoryMarshal.AsBytes(values.AsSpan()), System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        return values;
    }

    private static byte[] ToLittleEndianBytes<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian) ReverseEach(bytes, System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        return bytes;
    }

    // Big-endian hosts are rare but the wire format is little-endian, so swap element by element there.
    private static void ReverseEach(Span<byte> bytes, int elementSize)
    {
        for (var i = 0; i + elementSize <= bytes.Length; i += elementSize)
            bytes.Slice(i, elementSize).Reverse();
    }
}
