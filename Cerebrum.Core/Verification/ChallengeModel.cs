using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cerebrum.Core.Verification.Proto.Onnx;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// The model a challenge seed generates: input x[rows, width] uniform in [-1, 1), then <c>depth</c> MatMul nodes, layer
/// <c>l</c> multiplying by weight <c>order[l]</c>; weights uniform in ±sqrt(3 / width), so each product keeps a row's
/// norm in expectation and values stay near 1 however deep. Every value comes from <see cref="ChallengeRandom"/> with a
/// key per stream (input, each weight, the order), so the node builds the ONNX bytes and the input, and the validator
/// recomputes any single row through the chain (depth × width² work instead of rows × depth × width²).
/// </summary>
public sealed class ChallengeModel
{
    public const string InputName = "x";
    public const string OutputName = "y";
    private const int FloatType = 1;

    private readonly ulong _inputKey;
    private readonly ulong[] _weightKeys;
    private readonly float _weightScale;
    private float[]?[]? _weights;

    public ChallengeModel(ReadOnlySpan<byte> modelSeed, ChallengeShape shape)
    {
        if (shape.Problem() is { } problem) throw new ArgumentException(problem, nameof(shape));
        Shape = shape;
        _inputKey = StreamKey(modelSeed, 'x', 0);
        _weightKeys = new ulong[shape.DistinctWeights];
        for (var i = 0; i < _weightKeys.Length; i++) _weightKeys[i] = StreamKey(modelSeed, 'w', i);
        var orderKey = StreamKey(modelSeed, 'o', 0);
        Order = [.. Enumerable.Range(0, shape.Depth).Select(l => (int)(ChallengeRandom.Next(orderKey, (ulong)l) % (ulong)shape.DistinctWeights))];
        _weightScale = MathF.Sqrt(3f / shape.Width);
    }

    public ChallengeShape Shape { get; }

    /// <summary>Which distinct weight each layer multiplies by.</summary>
    public IReadOnlyList<int> Order { get; }

    /// <summary>The ONNX ModelProto: x -> MatMul(w[order[0]]) -> ... -> y, the weights as float32 initializers.</summary>
    public byte[] BuildOnnx()
    {
        var n = Shape.Width;
        var graph = new GraphProto { Name = "cerebrum-challenge" };
        for (var i = 0; i < Shape.DistinctWeights; i++)
        {
            var weight = new TensorProto { Name = WeightName(i), DataType = FloatType, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(Weight(i).AsSpan())) };
            weight.Dims.Add([n, n]);
            graph.Initializer.Add(weight);
        }
        for (var l = 0; l < Shape.Depth; l++)
        {
            var node = new NodeProto { OpType = "MatMul", Name = "layer" + l };
            node.Input.Add(l == 0 ? InputName : "h" + (l - 1));
            node.Input.Add(WeightName(Order[l]));
            node.Output.Add(l == Shape.Depth - 1 ? OutputName : "h" + l);
            graph.Node.Add(node);
        }
        graph.Input.Add(Matrix(InputName, Shape.Rows, n));
        graph.Output.Add(Matrix(OutputName, Shape.Rows, n));
        var model = new ModelProto { IrVersion = 8, ProducerName = "cerebrum-challenge", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return model.ToByteArray();
    }

    /// <summary>The whole input, rows × width, row-major.</summary>
    public float[] Input()
    {
        var input = new float[(long)Shape.Rows * Shape.Width];
        ChallengeRandom.Fill(_inputKey, 0, 1f, input);
        return input;
    }

    /// <summary>Distinct weight <paramref name="index"/>, width × width, row-major (generated once, then kept).</summary>
    public float[] Weight(int index)
    {
        _weights ??= new float[]?[Shape.DistinctWeights];
        if (_weights[index] is { } cached) return cached;
        var weight = new float[Shape.Width * Shape.Width];
        ChallengeRandom.Fill(_weightKeys[index], 0, _weightScale, weight);
        return _weights[index] = weight;
    }

    /// <summary>Output row <paramref name="row"/> computed on the CPU in double precision from the float32 input and weights.</summary>
    public double[] ReferenceRow(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Shape.Rows);
        var n = Shape.Width;
        var input = new float[n];
        ChallengeRandom.Fill(_inputKey, (ulong)row * (ulong)n, 1f, input);
        var current = new double[n];
        for (var i = 0; i < n; i++) current[i] = input[i];
        var next = new double[n];
        foreach (var w in Order)
        {
            var weight = Weight(w);
            Array.Clear(next);
            for (var i = 0; i < n; i++)
            {
                var h = current[i];
                var weightRow = weight.AsSpan(i * n, n);
                for (var j = 0; j < n; j++) next[j] += h * weightRow[j];
            }
            (current, next) = (next, current);
        }
        return current;
    }

    private static string WeightName(int index) => "w" + index;

    private static ulong StreamKey(ReadOnlySpan<byte> modelSeed, char label, int index)
    {
        Span<byte> material = stackalloc byte[modelSeed.Length + 5];
        modelSeed.CopyTo(material);
        material[modelSeed.Length] = (byte)label;
        BinaryPrimitives.WriteInt32BigEndian(material[(modelSeed.Length + 1)..], index);
        return BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(material));
    }

    private static ValueInfoProto Matrix(string name, int rows, int columns)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = rows });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = columns });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape } } };
    }
}
