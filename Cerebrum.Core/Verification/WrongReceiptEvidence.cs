using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Cerebrum.Core.Inference.Tensors;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// Turns a node's verified answer into <see cref="ReportWrongReceipt"/> evidence: the inputs, the outputs the node signed
/// and its receipt's binding, so that validators can check the signature and re-execute the job. Filed by a validator whose
/// canary came back wrong, and by a gateway whose sampled second run disagreed with the first.
/// </summary>
public static class WrongReceiptEvidence
{
    /// <summary>The evidence against <paramref name="node"/>'s <paramref name="answer"/> to <paramref name="inputs"/>; null when the answer carries no verified receipt.</summary>
    public static ReportWrongReceipt? From(PeerId node, string modelHash, IReadOnlyList<Tensor> inputs, InferCallResult answer)
    {
        if (answer.Receipt is not { } receipt || answer.Binding is not { } binding) return null;
        var inputSet = new TensorSet();
        inputSet.Tensors.AddRange(inputs.Select(WireTensors.ToWire));
        var outputSet = new TensorSet();
        outputSet.Tensors.AddRange(answer.Outputs.Select(WireTensors.ToWire));
        return new ReportWrongReceipt
        {
            Node = ByteString.CopyFrom(node.Bytes.Span),
            JobId = answer.JobId,
            ModelHash = modelHash,
            Inputs = inputSet.ToByteString(),
            Outputs = outputSet.ToByteString(),
            Signature = ByteString.CopyFrom(receipt.Signature.Span),
            Requester = ByteString.CopyFrom(binding.Requester.Bytes.Span),
            TimeUnixMs = binding.Time.ToUnixTimeMilliseconds(),
            Price = binding.Price,
            NodeNonce = ByteString.CopyFrom(binding.NodeNonce),
        };
    }
}
