using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Google.Protobuf;

namespace Cerebrum.Tests.Inference.Protocol;

[TestFixture]
public sealed class InferReceiptsTests
{
    /// <summary>The definition in infer.proto, computed the plain way: build the TensorSet, serialize, hash.</summary>
    private static byte[] Reference(IEnumerable<WireTensor> tensors)
    {
        var set = new TensorSet();
        set.Tensors.AddRange(tensors.OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => t.Clone()));
        return SHA256.HashData(set.ToByteArray());
    }

    private static WireTensor Wire(string name, int dtype, long[] shape, byte[] data)
    {
        var wire = new WireTensor { Name = name, Dtype = dtype, Data = ByteString.CopyFrom(data) };
        wire.Shape.AddRange(shape);
        return wire;
    }

    [Test]
    public void HashTensors_MatchesTheHandWrittenEncodingOfASmallSet()
    {
        // TensorSet { tensors: { name: "a", dtype: 1, shape: [1, 2], data: 01 02 } }, written out byte by byte.
        byte[] encoded =
        [
            0x0A, 0x0D, // field 1 (tensors), length 13
            0x0A, 0x01, (byte)'a', // name
            0x10, 0x01, // dtype
            0x1A, 0x02, 0x01, 0x02, // shape, packed
            0x22, 0x02, 0x01, 0x02, // data
        ];

        var hash = InferReceipts.HashTensors([Wire("a", 1, [1, 2], [1, 2])]);

        Assert.That(hash, Is.EqualTo(SHA256.HashData(encoded)));
    }

    [Test]
    public void HashTensors_MatchesTheSerializedTensorSetForEveryFieldShape()
    {
        var rng = new Random(11);
        byte[] Bytes(int n)
        {
            var b = new byte[n];
            rng.NextBytes(b);
            return b;
        }
        var cases = new List<(string What, WireTensor[] Tensors)>
        {
            ("empty set", []),
            ("defaults everywhere", [new WireTensor()]),
            ("unsorted names, sorted by ordinal", [Wire("token_type_ids", 7, [1, 16], Bytes(128)), Wire("attention_mask", 7, [1, 16], Bytes(128)), Wire("Input_ids", 7, [1, 16], Bytes(128))]),
            ("negative dtype and dimensions (10-byte varints)", [Wire("n", -3, [-1, long.MinValue, long.MaxValue], Bytes(3))]),
            ("scalar: no shape", [Wire("s", 1, [], Bytes(4))]),
            ("no data", [Wire("e", 1, [0, 384], [])]),
            ("large data (multi-byte length)", [Wire("h", 1, [1, 16, 384], Bytes(24_576)), Wire("p", 1, [1, 384], Bytes(1_536))]),
            ("above 64 KiB", [Wire("big", 1, [300_000], Bytes(300_000))]),
            ("non-ASCII name", [Wire("größe/入力", 1, [1], Bytes(4))]),
            ("duplicate names keep their order", [Wire("x", 1, [1], [1, 1, 1, 1]), Wire("x", 1, [1], [2, 2, 2, 2])]),
        };

        foreach (var (what, tensors) in cases)
            Assert.That(InferReceipts.HashTensors(tensors), Is.EqualTo(Reference(tensors)), what);
    }

    [Test]
    public void HashTensors_CoversFieldsThisVersionDoesNotKnow()
    {
        // A newer peer's tensor with an extra field 15: the parser keeps it, and a TensorSet would serialize it.
        var known = Wire("a", 1, [2], [9, 9, 9, 9, 9, 9, 9, 9]).ToByteArray();
        byte[] withExtra = [.. known, 0x78, 0x05]; // field 15, varint 5
        var parsed = WireTensor.Parser.ParseFrom(withExtra);

        var hash = InferReceipts.HashTensors([parsed]);

        Assert.That(hash, Is.EqualTo(Reference([parsed])));
        Assert.That(hash, Is.Not.EqualTo(InferReceipts.HashTensors([WireTensor.Parser.ParseFrom(known)])), "the extra field is covered");
    }

    [Test]
    public void Wrap_SharesTheTensorsBytes_WhileToWireCopiesThem()
    {
        var data = new byte[] { 1, 2, 3, 4 };
        var tensor = new Tensor("t", TensorDataType.Float32, [1], data);

        var wrapped = WireTensors.Wrap(tensor);
        var copied = WireTensors.ToWire(tensor);
        data[0] = 42;

        Assert.That(MemoryMarshal.TryGetArray(wrapped.Data.Memory, out var segment) && ReferenceEquals(segment.Array, data), Is.True);
        Assert.That(wrapped.Data[0], Is.EqualTo(42));
        Assert.That(copied.Data[0], Is.EqualTo(1));
        Assert.That(wrapped.ToByteArray(), Is.EqualTo(WireTensors.ToWire(tensor).ToByteArray()), "both encode the same tensor");
    }
}
