using Cerebrum.Core.Verification.Proto.Onnx;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference;

/// <summary>Small ONNX models built in code, whose outputs are known exactly.</summary>
internal static class OnnxTestModels
{
    private const int Float = 1;
    private const int Int64 = 7;

    /// <summary>c = a + b over float[batch, 3]; batch is dynamic.</summary>
    public static byte[] AddFloat() => Model(
        [Node("Add", ["a", "b"], ["c"])],
        [Value("a", Float, "batch", 3), Value("b", Float, "batch", 3)],
        [Value("c", Float, "batch", 3)]);

    /// <summary>y = x · W with x float[batch, 2] and the fixed W = [[1, 2, 3], [4, 5, 6]].</summary>
    public static byte[] MatMulFloat()
    {
        var weights = new TensorProto { Name = "w", DataType = Float, RawData = ByteString.CopyFrom(FloatBytes(1, 2, 3, 4, 5, 6)) };
        weights.Dims.Add([2, 3]);
        return Model(
            [Node("MatMul", ["x", "w"], ["y"])],
            [Value("x", Float, "batch", 2)],
            [Value("y", Float, "batch", 3)],
            weights);
    }

    /// <summary>c = a + b over int64[2, 2], all dimensions fixed.</summary>
    public static byte[] AddInt64Fixed() => Model(
        [Node("Add", ["a", "b"], ["c"])],
        [Value("a", Int64, 2, 2), Value("b", Int64, 2, 2)],
        [Value("c", Int64, 2, 2)]);

    /// <summary>A well-formed ModelProto whose only node uses an operator no runtime knows.</summary>
    public static byte[] UnknownOperator() => Model(
        [Node("NoSuchOperatorAnywhere", ["a"], ["c"])],
        [Value("a", Float, 1)],
        [Value("c", Float, 1)]);

    public static byte[] FloatBytes(params float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    public static string Write(string directory, string fileName, byte[] bytes)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Model(NodeProto[] nodes, ValueInfoProto[] inputs, ValueInfoProto[] outputs, params TensorProto[] initializers)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Node.AddRange(nodes);
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        graph.Initializer.AddRange(initializers);
        var model = new ModelProto { IrVersion = 8, ProducerName = "cerebrum-tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = op.ToLowerInvariant() };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    /// <summary>A tensor value; each dimension is a fixed size (long/int) or a symbolic name (string).</summary>
    private static ValueInfoProto Value(string name, int elementType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture) });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }
}
