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

    /// <summary>SHA-256 of a <see cref="TensorSet"/> holding the tensors sorted by name.</summary>
    public static byte[] HashTensors(IEnumerable<WireTensor> tensors)
    {
        var set = new TensorSet();
        set.Tensors.AddRange(tensors.OrderBy(t => t.Name, StringComparer.Ordinal));
        return SHA256.HashData(set.ToByteArray());
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
        return [.. Domain, .. receipt.ToByteArray()];
    }

    public static byte[] Sign(PrivateKey key, string jobId, string modelHash, ReadOnlySpan<byte> inputHash, ReadOnlySpan<byte> outputHash) =>
        key.Sign(SigningBytes(jobId, modelHash, inputHash, outputHash));

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
