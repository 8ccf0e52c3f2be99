using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// The node's signed statement that it ran a job: job id, model hash, and the SHA-256 of the inputs and outputs, so that
/// a gateway can later prove (to the ledger or a validator) exactly what a node answered.
/// </summary>
public static class InferReceipts
{
    private static readonly byte[] Domain = Encoding.UTF8.GetBytes(InferProtocolHandler.ProtocolId);

    /// <summary>SHA-256 of a <see cref="TensorSet"/> holding the tensors sorted by name (ordinal, stable).</summary>
    /// <remarks>
    /// The set is never built: each entry's protobuf encoding is fed to the hash as it would be serialized, the tensor
    /// headers from a small pooled buffer and the element bytes straight from where they lie, so hashing a response
    /// costs no copy of its tensors.
    /// </remarks>
    public static byte[] HashTensors(IEnumerable<WireTensor> tensors)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var tensor in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
            AppendEntry(hash, tensor);
        return hash.GetHashAndReset();
    }

    /// <summary>Hashes one <c>tensors</c> entry of a TensorSet: field tag, length, then the WireTensor's own encoding.</summary>
    private static void AppendEntry(IncrementalHash hash, WireTensor tensor)
    {
        var size = tensor.CalculateSize();
        var data = tensor.Data.Span;
        // Tags and lengths take at most 6 bytes each, an int32 or int64 varint at most 10.
        var bound = 40 + Encoding.UTF8.GetMaxByteCount(tensor.Name.Length) + 10 * tensor.Shape.Count;
        var buffer = ArrayPool<byte>.Shared.Rent(bound);
        try
        {
            using var output = new CodedOutputStream(buffer);
            output.WriteTag(TensorSet.TensorsFieldNumber, WireFormat.WireType.LengthDelimited);
            output.WriteLength(size);
            var entryStart = (int)output.Position;
            // Field order and default-value omission as proto3 serializes them.
            if (tensor.Name.Length > 0)
            {
                output.WriteTag(WireTensor.NameFieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteString(tensor.Name);
            }
            if (tensor.Dtype != 0)
            {
                output.WriteTag(WireTensor.DtypeFieldNumber, WireFormat.WireType.Varint);
                output.WriteInt32(tensor.Dtype);
            }
            if (tensor.Shape.Count > 0)
            {
                var packed = 0;
                foreach (var dimension in tensor.Shape) packed += CodedOutputStream.ComputeInt64Size(dimension);
                output.WriteTag(WireTensor.ShapeFieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteLength(packed);
                foreach (var dimension in tensor.Shape) output.WriteInt64(dimension);
            }
            if (data.Length > 0)
            {
                output.WriteTag(WireTensor.DataFieldNumber, WireFormat.WireType.LengthDelimited);
                output.WriteLength(data.Length);
            }
            var headerEnd = (int)output.Position;
            if (headerEnd - entryStart + data.Length == size)
            {
                hash.AppendData(buffer, 0, headerEnd);
                hash.AppendData(data);
            }
            else
            {
                // Only a tensor carrying fields this version does not know (kept by the parser, and serialized after
                // the known ones) gets here: hash its full serialization, exactly as a TensorSet would hold it.
                hash.AppendData(buffer, 0, entryStart);
                hash.AppendData(tensor.ToByteArray());
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static byte[] SigningBytes(string jobId, string modelHash, ReadOnlySpan<byte> inputHash, ReadOnlySpan<byte> outputHash)
    {
        var receipt = new InferReceipt
        {
            JobId = jobId,
            ModelHash = modelHash,
            InputHash = ByteString.CopyFrom(inputHash),
            OutputHash = ByteString.CopyFrom(outputHash),
        };
        var bytes = new byte[Domain.Length + receipt.CalculateSize()];
        Domain.CopyTo(bytes, 0);
        receipt.WriteTo(bytes.AsSpan(Domain.Length));
        return bytes;
    }

    public static byte[] Sign(PrivateKey key, string jobId, string modelHash, ReadOnlySpan<byte> inputHash, ReadOnlySpan<byte> outputHash) =>
        key.Sign(SigningBytes(jobId, modelHash, inputHash, outputHash));

    /// <summary>
    /// Completes a successful <paramref name="response"/> (job id, model hash and outputs already set) with its receipt:
    /// the hash of its outputs, <paramref name="inputHash"/> (computed by the caller, e.g. while the model ran) and the
    /// node's signature over both.
    /// </summary>
    public static void SignResponse(InferResponse response, PrivateKey key, byte[] inputHash)
    {
        var outputHash = HashTensors(response.Outputs);
        response.InputHash = UnsafeByteOperations.UnsafeWrap(inputHash);
        response.OutputHash = UnsafeByteOperations.UnsafeWrap(outputHash);
        response.Signature = UnsafeByteOperations.UnsafeWrap(Sign(key, response.JobId, response.ModelHash, inputHash, outputHash));
    }

    /// <summary>
    /// True when <paramref name="response"/> is a success whose hashes match <paramref name="request"/>'s inputs and its own
    /// outputs, signed by <paramref name="node"/>.
    /// </summary>
    public static bool Verify(InferRequest request, InferResponse response, PublicKey node)
    {
        if (response.Error is not null || response.JobId != request.JobId) return false;
        var inputHash = HashTensors(request.Inputs);
        var outputHash = HashTensors(response.Outputs);
        if (!response.InputHash.Span.SequenceEqual(inputHash) || !response.OutputHash.Span.SequenceEqual(outputHash)) return false;
        return node.Verify(SigningBytes(response.JobId, response.ModelHash, inputHash, outputHash), response.Signature.Span);
    }
}
