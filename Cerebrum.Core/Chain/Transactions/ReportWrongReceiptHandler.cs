using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Opens a dispute over a node-signed receipt: the inputs and outputs must hash to what the node signed, so the evidence
/// is exactly what the node answered. The ledger cannot judge floating-point outputs itself; validators re-execute the
/// job and attest (<see cref="NodeDisputes"/>). The fee must be at least the chain's evidence fee.
/// </summary>
public sealed class ReportWrongReceiptHandler : ITransactionHandler
{
    public const int MaxJobIdLength = 128;

    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.ReportWrongReceipt;

    public ChainError? Apply(TransactionContext context)
    {
        var report = context.Transaction.Body.ReportWrongReceipt;
        if (context.Transaction.Body.Fee < context.Params.Verification.EvidenceFee)
            return new ChainError(ChainErrorCode.FeeTooLow, $"evidence carries a fee of at least {context.Params.Verification.EvidenceFee}");
        PeerId node;
        try
        {
            node = PeerId.FromBytes(report.Node.Span);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
        {
            return new ChainError(ChainErrorCode.BadEvidence, $"the node is not a peer ID: {e.Message}");
        }
        if (context.State.GetNode(node) is null) return new ChainError(ChainErrorCode.UnknownNode, $"node {node} is not registered");
        if (report.JobId.Length is 0 or > MaxJobIdLength) return new ChainError(ChainErrorCode.BadEvidence, $"the job id must be 1 to {MaxJobIdLength} characters");
        if (context.State.GetModel(report.ModelHash) is null) return new ChainError(ChainErrorCode.UnknownModel, $"model {report.ModelHash} is not registered");
        TensorSet inputs, outputs;
        try
        {
            inputs = TensorSet.Parser.ParseFrom(report.Inputs);
            outputs = TensorSet.Parser.ParseFrom(report.Outputs);
        }
        catch (InvalidProtocolBufferException e)
        {
            return new ChainError(ChainErrorCode.BadEvidence, $"inputs and outputs must be TensorSet encodings: {e.Message}");
        }
        var inputHash = InferReceipts.HashTensors(inputs.Tensors);
        var outputHash = InferReceipts.HashTensors(outputs.Tensors);
        if (node.TryGetPublicKey() is not { } key || !key.Verify(InferReceipts.SigningBytes(new InferReceipt
            {
                JobId = report.JobId,
                ModelHash = report.ModelHash,
                InputHash = ByteString.CopyFrom(inputHash),
                OutputHash = ByteString.CopyFrom(outputHash),
                Requester = report.Requester,
                TimeUnixMs = report.TimeUnixMs,
                Price = report.Price,
                NodeNonce = report.NodeNonce,
            }), report.Signature.Span))
            return new ChainError(ChainErrorCode.BadEvidence, "the receipt signature is not the node's over these inputs and outputs");
        var id = NodeDisputes.Id(node, report.JobId, outputHash);
        if (context.State.GetDispute(id) is not null) return new ChainError(ChainErrorCode.DuplicateDispute, $"dispute {Convert.ToHexStringLower(id)} is already open");
        context.State.SetDispute(id, new DisputeState
        {
            Node = report.Node,
            Finder = ByteString.CopyFrom(context.SenderId.Bytes.Span),
            JobId = report.JobId,
            ModelHash = report.ModelHash,
            Inputs = report.Inputs,
            Outputs = report.Outputs,
            OpenedHeight = context.Block.Height,
        });
        return null;
    }
}
