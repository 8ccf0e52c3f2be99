using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain.Nodes;

/// <summary>
/// Reputation as ledger state (the documented formula, a moving average that survives a restart) and slashing from
/// evidence: a wrong receipt is judged by validators' attestations, the node loses its stake share, the finder gets
/// its part, the proposer the rest, and no money is made or lost.
/// </summary>
[TestFixture]
public sealed class NodeReputationAndSlashingTests
{
    private const string JobId = "job-17";
    private NodeLedgerFixture _ledger = null!;

    [SetUp]
    public void SetUp() => _ledger = new NodeLedgerFixture();

    [TearDown]
    public void TearDown()
    {
        Assert.That(_ledger.Supply(), Is.EqualTo(_ledger.GenesisSupply), "the total supply never changes");
        _ledger.Dispose();
    }

    [Test]
    public void Reputation_IsTheDocumentedWeightedSample_ThenAMovingAverage_ThatARestartKeeps()
    {
        // One validator, one transaction: canary 19/20 (950,000 ppm), availability 9/10 (900,000), throughput 800 ‰.
        _ledger.Chain.Submit(_ledger.AttestTx(0, Checks(_ledger.Height, canaryPassed: 19, canaryFailed: 1)));
        _ledger.Chain.CommitNext();
        Assert.That(_ledger.NodeState.ReputationPpm, Is.EqualTo((4 * 950_000 + 3 * 900_000 + 2 * 800_000) / 9), "the first sample sets it");

        // Canaries now 20 of 40 (500,000): the sample is 700,000, and the reputation moves 1/16 of the way.
        _ledger.Chain.Submit(_ledger.AttestTx(0, Checks(_ledger.Height, canaryPassed: 20, canaryFailed: 20)));
        _ledger.Chain.CommitNext();
        const uint expected = (900_000 * 15 + 700_000) / 16;
        Assert.That(_ledger.NodeState.ReputationPpm, Is.EqualTo(expected));
        Assert.That(_ledger.NodeState.Figures.CanaryPassed, Is.EqualTo(20));
        Assert.That(_ledger.NodeState.Figures.AvailabilityPpm, Is.EqualTo(900_000));

        _ledger.Chain.Reopen();
        Assert.That(_ledger.NodeState.ReputationPpm, Is.EqualTo(expected), "ledger state: a restart changes nothing");
    }

    [Test]
    public void AWrongReceipt_UpheldByAQuorum_SlashesTheNode_PaysTheFinder_AndJailsIt()
    {
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Latency, CheckVerdict.Pass);
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Hardware, CheckVerdict.Pass);
        var finder = _ledger.Chain.Bob;
        var finderBefore = _ledger.Chain.Node.GetAccount(finder.PeerId).Balance;
        var disputeId = Report(finder, Receipt(_ledger.NodeKey));
        _ledger.Chain.CommitNext();
        Assert.That(_ledger.Chain.Node.ListDisputes().Single().Id, Is.EqualTo(Convert.ToHexStringLower(disputeId)));

        _ledger.AttestAndCommit([0, 1], CheckKind.Receipt, CheckVerdict.Fail, a => a.DisputeId = ByteString.CopyFrom(disputeId));
        Assert.That(_ledger.NodeState.Stake, Is.EqualTo(NodeLedgerFixture.NodeStake), "two of four validators are not a quorum");
        _ledger.AttestAndCommit([3], CheckKind.Receipt, CheckVerdict.Fail, a => a.DisputeId = ByteString.CopyFrom(disputeId));

        var node = _ledger.NodeState;
        const ulong slashed = NodeLedgerFixture.NodeStake / 10;
        Assert.That(node.Stake, Is.EqualTo(NodeLedgerFixture.NodeStake - slashed));
        Assert.That(node.History.Slashed, Is.EqualTo(slashed));
        Assert.That(node.History.DisputesLost, Is.EqualTo(1));
        Assert.That(node.Lifecycle, Is.EqualTo(NodeLifecycle.Jailed));
        Assert.That(_ledger.Chain.Node.GetAccount(finder.PeerId).Balance, Is.EqualTo(finderBefore - 100 + slashed / 2), "the finder paid the evidence fee and got half the slash");
        Assert.That(_ledger.Chain.Node.ListDisputes(), Is.Empty);
    }

    [Test]
    public void ARightReceipt_IsDismissed_AndTheNodeKeepsItsStake()
    {
        var disputeId = Report(_ledger.Chain.Bob, Receipt(_ledger.NodeKey));
        _ledger.Chain.CommitNext();

        _ledger.AttestAndCommit([0, 1, 3], CheckKind.Receipt, CheckVerdict.Pass, a => a.DisputeId = ByteString.CopyFrom(disputeId));

        Assert.That(_ledger.Chain.Node.ListDisputes(), Is.Empty);
        Assert.That(_ledger.NodeState.Stake, Is.EqualTo(NodeLedgerFixture.NodeStake));
        Assert.That(_ledger.NodeState.History?.DisputesLost ?? 0, Is.Zero);
    }

    [Test]
    public void Evidence_MustBeWhatTheNodeSigned_PayTheEvidenceFee_AndBeNew()
    {
        var receipt = Receipt(_ledger.NodeKey);
        var tampered = receipt.Clone();
        tampered.Outputs = Tensors(9f, 9f).ToByteString();
        _ledger.Chain.Refused(ReportTx(_ledger.Chain.Bob, tampered), ChainErrorCode.BadEvidence);
        var byAnotherKey = Receipt(_ledger.Chain.Users[3]);
        byAnotherKey.Node = receipt.Node;
        _ledger.Chain.Refused(ReportTx(_ledger.Chain.Bob, byAnotherKey), ChainErrorCode.BadEvidence);
        _ledger.Chain.Refused(ReportTx(_ledger.Chain.Bob, receipt, fee: 50), ChainErrorCode.FeeTooLow);

        Report(_ledger.Chain.Bob, receipt);
        _ledger.Chain.Refused(ReportTx(_ledger.Chain.Users[3], receipt), ChainErrorCode.DuplicateDispute);
        var unknown = _ledger.Attestation(0, CheckKind.Receipt, CheckVerdict.Fail, figures: a => a.DisputeId = ByteString.CopyFrom(new byte[32]));
        _ledger.Chain.Refused(_ledger.AttestTx(0, [unknown]), ChainErrorCode.UnknownDispute);
    }

    [Test]
    public void AnUndecidedDispute_ExpiresAfterTheDisputeWindow()
    {
        Report(_ledger.Chain.Bob, Receipt(_ledger.NodeKey));
        _ledger.Chain.CommitNext();
        for (var i = 0; i < (int)NodeLedgerFixture.Parameters.Verification.DisputeWindow; i++) _ledger.Chain.CommitNext();
        Assert.That(_ledger.Chain.Node.ListDisputes(), Has.Count.EqualTo(1), "open for the whole window");

        _ledger.Chain.CommitNext();

        Assert.That(_ledger.Chain.Node.ListDisputes(), Is.Empty);
    }

    private List<Attestation> Checks(ulong height, ulong canaryPassed, ulong canaryFailed) =>
    [
        _ledger.Attestation(0, CheckKind.Hardware, CheckVerdict.Pass, height, figures: a => { a.ThroughputMflops = 4_000; a.ThroughputPermille = 800; }),
        _ledger.Attestation(0, CheckKind.Latency, CheckVerdict.Pass, height, figures: a => { a.RttMicros = 20_000; a.ProbesAnswered = 9; a.ProbesSent = 10; }),
        _ledger.Attestation(0, CheckKind.Canary, CheckVerdict.Pass, height, figures: a => { a.CanaryPassed = canaryPassed; a.CanaryFailed = canaryFailed; }),
    ];

    private static TensorSet Tensors(params float[] values)
    {
        var tensor = new WireTensor { Name = "y", Dtype = 1, Data = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Shape.Add([1, values.Length]);
        return new TensorSet { Tensors = { tensor } };
    }

    private static ReportWrongReceipt Receipt(PrivateKey node)
    {
        var inputs = Tensors(1f, 2f);
        var outputs = Tensors(3f, 4f);
        // A receipt as a node signs it since receipts bind the requester, the node's time, the price and its nonce.
        var receipt = new InferResponse
        {
            JobId = JobId,
            ModelHash = NodeLedgerFixture.Model,
            InputHash = ByteString.CopyFrom(InferReceipts.HashTensors(inputs.Tensors)),
            OutputHash = ByteString.CopyFrom(InferReceipts.HashTensors(outputs.Tensors)),
            Requester = ByteString.CopyFrom(node.PeerId.Bytes.Span),
            TimeUnixMs = 1_700_000_000_000,
            Price = 7,
            NodeNonce = ByteString.CopyFrom(new byte[16]),
        };
        var signature = InferReceipts.Sign(node, receipt);
        return new ReportWrongReceipt
        {
            Node = ByteString.CopyFrom(node.PeerId.Bytes.Span),
            JobId = JobId,
            ModelHash = NodeLedgerFixture.Model,
            Inputs = inputs.ToByteString(),
            Outputs = outputs.ToByteString(),
            Signature = ByteString.CopyFrom(signature),
            Requester = receipt.Requester,
            TimeUnixMs = receipt.TimeUnixMs,
            Price = receipt.Price,
            NodeNonce = receipt.NodeNonce,
        };
    }

    private byte[] ReportTx(PrivateKey finder, ReportWrongReceipt report, ulong fee = 100) =>
        Txs.Sign(finder, _ledger.Chain.Node.GetNextNonce(finder.PeerId), t => t.ReportWrongReceipt = report, fee);

    private byte[] Report(PrivateKey finder, ReportWrongReceipt report)
    {
        _ledger.Chain.Submit(ReportTx(finder, report));
        return NodeDisputes.Id(PeerId.FromBytes(report.Node.Span), report.JobId, InferReceipts.HashTensors(TensorSet.Parser.ParseFrom(report.Outputs).Tensors));
    }
}
