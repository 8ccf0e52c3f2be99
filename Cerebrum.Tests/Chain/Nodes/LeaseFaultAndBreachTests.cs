using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Inference.Protocol.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain.Nodes;

/// <summary>
/// A leased node that fails the validators' liveness checks faults its lease in the same block: billing stops at its last
/// good check and the tenant is refunded without acting, to the micro-CER. A node-signed receipt for another payer inside
/// an exclusive lease is evidence that slashes and jails the node once. Carol is the node, Alice the tenant, Bob another
/// payer, Dave the finder; the supply is checked after every block (the fixture's chain is watched).
/// </summary>
[TestFixture]
public sealed class LeaseFaultAndBreachTests
{
    private const ulong PricePerHour = 3_600_000; // 1 micro-CER a millisecond
    private NodeLedgerFixture _ledger = null!;

    [SetUp]
    public void SetUp() => _ledger = new NodeLedgerFixture();

    [TearDown]
    public void TearDown() => _ledger.Dispose();

    private ChainFixture Chain => _ledger.Chain;

    private DateTimeOffset LastTime => Chain.Node.Status.LastTime;

    private ulong Balance(PrivateKey key) => Chain.Node.GetAccount(key.PeerId).Balance;

    [Test]
    public void ALeasedNodeThatFailsLiveness_FaultsItsLease_BillingStopsAtTheLastGoodCheck_AndTheTenantIsRefundedExactly()
    {
        var (leaseId, start) = Lease(hours: 2);
        var live = start + TimeSpan.FromMinutes(10);
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Latency, CheckVerdict.Pass, time: live);
        Assert.That(_ledger.NodeState.History.LastLiveUnixMs, Is.EqualTo(live.ToUnixTimeMilliseconds()));
        var aliceBefore = Balance(Chain.Alice);

        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Latency, CheckVerdict.Unreachable, time: start + TimeSpan.FromMinutes(40));

        var lease = Chain.Node.GetLease(leaseId)!;
        const ulong earned = 10 * 60 * 1_000; // 10 minutes at 1 a millisecond
        Assert.Multiple(() =>
        {
            Assert.That(lease.Faulted, Is.True);
            Assert.That(lease.EndUnixMs, Is.EqualTo(live.ToUnixTimeMilliseconds()), "billing stops at the last good check");
            Assert.That(lease.Prepaid, Is.EqualTo(earned));
            Assert.That(Balance(Chain.Alice) - aliceBefore, Is.EqualTo(2 * PricePerHour - earned), "the tenant got the rest back without acting");
            Assert.That(_ledger.NodeState.History.LeasesFaulted, Is.EqualTo(1));
        });

        // The node closes the ended lease and is paid what accrued until its last good check, less the take.
        var carolBefore = Balance(Chain.Carol);
        Chain.Submit(Txs.CloseLease(Chain.Carol, Chain.Node.GetNextNonce(Chain.Carol.PeerId), leaseId));
        Chain.CommitNext();
        Assert.That(Balance(Chain.Carol) - carolBefore, Is.EqualTo(earned - PaymentMath.Take(earned, Chain.Node.Params.TakeRateBasisPoints) - 10));
        Assert.That(Chain.Node.GetLease(leaseId), Is.Null);
        Assert.That(_ledger.NodeState.History.LeasesCompleted, Is.Zero, "a faulted lease is not a completed one");
    }

    [Test]
    public void ANodeNeverFoundLiveDuringItsLease_RefundsTheWholePrepayment_AndAFaultIsAppliedOnce()
    {
        var (leaseId, start) = Lease(hours: 1);
        var aliceBefore = Balance(Chain.Alice);

        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Latency, CheckVerdict.Unreachable, time: start + TimeSpan.FromMinutes(5));
        Assert.That(Balance(Chain.Alice) - aliceBefore, Is.EqualTo(PricePerHour));
        _ledger.AttestAndCommit([0, 1, 3], CheckKind.Latency, CheckVerdict.Unreachable, time: start + TimeSpan.FromMinutes(6));

        Assert.That(Balance(Chain.Alice) - aliceBefore, Is.EqualTo(PricePerHour), "a second failing quorum refunds nothing more");
        Assert.That(Chain.Node.GetLease(leaseId)!.Prepaid, Is.Zero);
        Assert.That(_ledger.NodeState.History.LeasesFaulted, Is.EqualTo(1));
    }

    [Test]
    public void AClosedHealthyLease_CountsAsCompletedForReputation()
    {
        var (leaseId, _) = Lease(hours: 1);
        Chain.Submit(Txs.CloseLease(Chain.Alice, Chain.Node.GetNextNonce(Chain.Alice.PeerId), leaseId));
        Chain.CommitNext();
        Assert.That(_ledger.NodeState.History.LeasesCompleted, Is.EqualTo(1));
    }

    [Test]
    public void AReceiptForAnotherPayerInsideTheLease_SlashesAndJailsTheNodeOnce_AndPaysTheFinder()
    {
        var (leaseId, start) = Lease(hours: 1);
        var dave = Chain.Users[3];
        var stake = _ledger.NodeState.Stake;
        var daveBefore = Balance(dave);
        var parameters = Chain.Node.Params.Verification;

        Assert.That(Report(dave, leaseId, Receipt(Chain.Alice, start + TimeSpan.FromMinutes(1))), Is.EqualTo(ChainErrorCode.NotInLease), "the tenant's own job");
        Assert.That(Report(dave, leaseId, Receipt(Chain.Bob, start + TimeSpan.FromHours(2))), Is.EqualTo(ChainErrorCode.NotInLease), "after the lease");
        var forged = Receipt(Chain.Bob, start + TimeSpan.FromMinutes(1), signer: dave);
        Assert.That(Report(dave, leaseId, forged), Is.EqualTo(ChainErrorCode.BadEvidence), "not the node's signature");
        daveBefore = Balance(dave);

        Assert.That(Report(dave, leaseId, Receipt(Chain.Bob, start + TimeSpan.FromMinutes(1))), Is.Null);

        var slash = stake * parameters.SlashPermille / 1000;
        var share = slash * parameters.FinderSharePermille / 1000;
        Assert.Multiple(() =>
        {
            Assert.That(_ledger.NodeState.Stake, Is.EqualTo(stake - slash));
            Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Jailed));
            Assert.That(Balance(dave) - daveBefore + parameters.EvidenceFee, Is.EqualTo(share), "the finder's share, less its evidence fee");
            Assert.That(Chain.Node.GetLease(leaseId)!.Breached, Is.True);
        });
        Assert.That(Report(dave, leaseId, Receipt(Chain.Bob, start + TimeSpan.FromMinutes(2))), Is.EqualTo(ChainErrorCode.LeaseAlreadyBreached));
    }

    [Test]
    public void AReceiptForADelegateTheTermsName_IsNoBreach_AndADelegateAddedAfterTheNodeSignedVoidsItsCountersignature()
    {
        var bob = Chain.Bob;
        var dave = Chain.Users[3];
        var node = Chain.Node.GetNode(Chain.Carol.PeerId)!;
        var unsigned = LeaseTermsSigning.Terms(Chain.Alice.PeerId, Chain.Carol.PeerId, 1, PricePerHour, node.LeaseSequence, (LastTime + TimeSpan.FromHours(1)).ToUnixTimeMilliseconds());
        var signature = LeaseTermsSigning.Sign(Chain.Carol, ChainFixture.ChainId, unsigned);
        unsigned.Delegates.Add(ByteString.CopyFrom(bob.PeerId.Bytes.Span));
        Assert.That(LeaseTermsSigning.Verify(ChainFixture.ChainId, unsigned, signature, Chain.Carol.PublicKey), Is.False, "the tenant cannot add a delegate the node did not sign");

        var (leaseId, start) = Lease(hours: 1, delegates: [bob.PeerId]);
        Assert.That(Chain.Node.GetLease(leaseId)!.Delegates.Select(d => d.ToByteArray()), Is.EqualTo(new[] { bob.PeerId.Bytes.ToArray() }));
        var stake = _ledger.NodeState.Stake;

        Assert.That(Report(dave, leaseId, Receipt(bob, start + TimeSpan.FromMinutes(1))), Is.EqualTo(ChainErrorCode.NotInLease), "a delegate's job");
        Assert.Multiple(() =>
        {
            Assert.That(_ledger.NodeState.Stake, Is.EqualTo(stake));
            Assert.That(_ledger.NodeState.Lifecycle, Is.Not.EqualTo(NodeLifecycle.Jailed));
            Assert.That(Chain.Node.GetLease(leaseId)!.Breached, Is.False);
        });
        Assert.That(Report(dave, leaseId, Receipt(PrivateKey.Generate(KeyType.Ed25519), start + TimeSpan.FromMinutes(1))), Is.Null, "anyone else's job is still a breach");
        Assert.That(Chain.Node.GetLease(leaseId)!.Breached, Is.True);
    }

    [Test]
    public void ALeaseNamingTooManyDelegates_IsRefused()
    {
        var node = Chain.Node.GetNode(Chain.Carol.PeerId)!;
        var many = Enumerable.Range(0, CreateLeaseHandler.MaxDelegates + 1).Select(_ => PrivateKey.Generate(KeyType.Ed25519).PeerId);
        var terms = LeaseTermsSigning.Terms(Chain.Alice.PeerId, Chain.Carol.PeerId, 1, PricePerHour, node.LeaseSequence, (LastTime + TimeSpan.FromHours(1)).ToUnixTimeMilliseconds(), many);
        var submitted = Chain.Node.SubmitTransaction(Txs.CreateLease(Chain.Alice, Chain.Node.GetNextNonce(Chain.Alice.PeerId), terms, LeaseTermsSigning.Sign(Chain.Carol, ChainFixture.ChainId, terms)));
        Assert.That(submitted.Error?.Code, Is.EqualTo(ChainErrorCode.InvalidField));
    }

    /// <summary>Alice leases Carol for <paramref name="hours"/> at <see cref="PricePerHour"/>, naming <paramref name="delegates"/>.</summary>
    private (byte[] Id, DateTimeOffset Start) Lease(uint hours, IEnumerable<PeerId>? delegates = null)
    {
        var node = Chain.Node.GetNode(Chain.Carol.PeerId)!;
        var terms = LeaseTermsSigning.Terms(Chain.Alice.PeerId, Chain.Carol.PeerId, hours, PricePerHour, node.LeaseSequence, (LastTime + TimeSpan.FromHours(1)).ToUnixTimeMilliseconds(), delegates);
        Chain.Submit(Txs.CreateLease(Chain.Alice, Chain.Node.GetNextNonce(Chain.Alice.PeerId), terms, LeaseTermsSigning.Sign(Chain.Carol, ChainFixture.ChainId, terms)));
        var block = Chain.CommitNext();
        Assert.That(block.Block.Txs, Has.Count.EqualTo(1));
        return (PaymentIds.Lease(Chain.Carol.PeerId, terms.Sequence), DateTimeOffset.FromUnixTimeMilliseconds(block.Block.Header.TimeUnixMs));
    }

    /// <summary>The node's signed receipt of a job for <paramref name="requester"/> at node time <paramref name="time"/>.</summary>
    private ReportLeaseBreach Receipt(PrivateKey requester, DateTimeOffset time, PrivateKey? signer = null)
    {
        var response = new InferResponse
        {
            JobId = "job-" + time.ToUnixTimeMilliseconds(),
            ModelHash = NodeLedgerFixture.Model,
            InputHash = ByteString.CopyFrom(new byte[32]),
            OutputHash = ByteString.CopyFrom(Enumerable.Repeat((byte)1, 32).ToArray()),
            Requester = ByteString.CopyFrom(requester.PeerId.Bytes.Span),
            TimeUnixMs = time.ToUnixTimeMilliseconds(),
            Price = 5,
            NodeNonce = ByteString.CopyFrom(new byte[InferProtocolHandler.NodeNonceLength]),
        };
        return new ReportLeaseBreach
        {
            JobId = response.JobId, ModelHash = response.ModelHash, InputHash = response.InputHash, OutputHash = response.OutputHash,
            Requester = response.Requester, TimeUnixMs = response.TimeUnixMs, Price = response.Price, NodeNonce = response.NodeNonce,
            Signature = ByteString.CopyFrom(InferReceipts.Sign(signer ?? Chain.Carol, response)),
        };
    }

    /// <summary>Submits the report in a block; the error code it was refused with, or null.</summary>
    private ChainErrorCode? Report(PrivateKey finder, byte[] leaseId, ReportLeaseBreach report)
    {
        report.LeaseId = ByteString.CopyFrom(leaseId);
        var tx = Txs.Sign(finder, Chain.Node.GetNextNonce(finder.PeerId), t => t.ReportLeaseBreach = report, fee: Chain.Node.Params.Verification.EvidenceFee);
        var submitted = Chain.Node.SubmitTransaction(tx);
        if (submitted.Error is { } error) return error.Code;
        Chain.CommitNext();
        return null;
    }
}
