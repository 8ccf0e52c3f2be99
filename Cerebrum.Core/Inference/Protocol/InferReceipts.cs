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

    /// <summary>The bytes a node signs for <paramref name="response"/>: the protocol id, then its <see cref="InferReceipt"/> (job id, model, hashes and binding).</summary>
    public static byte[] SigningBytes(InferResponse response) => SigningBytes(new InferReceipt
    {
        JobId = response.JobId,
        ModelHash = response.ModelHash,
        InputHash = response.InputHash,
        OutputHash = response.OutputHash,
        Requester = response.Requester,
        TimeUnixMs = response.TimeUnixMs,
        Price = response.Price,
        NodeNonce = response.NodeNonce,
    });

    /// <summary>The bytes a node signs for <paramref name="receipt"/>: the protocol id, then the receipt.</summary>
    public static byte[] SigningBytes(InferReceipt receipt)
    {
        var bytes = new byte[Domain.Length + receipt.CalculateSize()];
        Domain.CopyTo(bytes, 0);
        receipt.WriteTo(bytes.AsSpan(Domain.Length));
        return bytes;
    }

    /// <summary>Signs <paramref name="response"/>'s receipt as it stands (hashes and binding set).</summary>
    public static byte[] Sign(PrivateKey key, InferResponse response) => key.Sign(SigningBytes(response));

    /// <summary>SHA-256 of the receipt's signing bytes: the receipt's name in vouchers and batch results.</summary>
    public static byte[] ReceiptHash(InferResponse response) => SHA256.HashData(SigningBytes(response));

    /// <summary>
    /// The job id a receipt stands for: SHA-256 of the requester's job id (UTF-8), a zero byte and the node's nonce, as 32 hex
    /// digits. Neither side chooses it alone, so a requester cannot make two receipts share an id, nor a node reuse one.
    /// </summary>
    public static string BoundJobId(string requesterJobId, ReadOnlySpan<byte> nodeNonce)
    {
        var label = Encoding.UTF8.GetBytes(requesterJobId);
        var buffer = new byte[label.Length + 1 + nodeNonce.Length];
        label.CopyTo(buffer, 0);
        nodeNonce.CopyTo(buffer.AsSpan(label.Length + 1));
        return Convert.ToHexStringLower(SHA256.HashData(buffer), 0, 16);
    }

    /// <summary>
    /// Completes a successful <paramref name="response"/> (job id, model hash, outputs and binding already set) with its
    /// receipt: the hash of its outputs, <paramref name="inputHash"/> (computed by the caller, e.g. while the model ran) and
    /// the node's signature over the receipt.
    /// </summary>
    public static void SignResponse(InferResponse response, PrivateKey key, byte[] inputHash)
    {
        response.InputHash = UnsafeByteOperations.UnsafeWrap(inputHash);
        response.OutputHash = UnsafeByteOperations.UnsafeWrap(HashTensors(response.Outputs));
        response.Signature = UnsafeByteOperations.UnsafeWrap(Sign(key, response));
    }

    /// <summary>
    /// True when <paramref name="response"/> is a success whose hashes match <paramref name="request"/>'s inputs and its own
    /// outputs, signed by <paramref name="node"/>; with <paramref name="requester"/>, bound to that requester too.
    /// </summary>
    public static bool Verify(InferRequest request, InferResponse response, PublicKey node, PeerId? requester = null)
    {
        if (response.Error is not null || response.JobId != request.JobId) return false;
        if (requester is { } expected && !response.Requester.Span.SequenceEqual(expected.Bytes.Span)) return false;
        var inputHash = HashTensors(request.Inputs);
        var outputHash = HashTensors(response.Outputs);
        if (!response.InputHash.Span.SequenceEqual(inputHash) || !response.OutputHash.Span.SequenceEqual(outputHash)) return false;
        return node.Verify(SigningBytes(response), response.Signature.Span);
    }
}
