using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Nodes;
using Cerebrum.Core.Chain.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain.Nodes;

/// <summary>
/// The node lifecycle on the ledger: Registered until validators with more than 2/3 of the power attest a passing
/// hardware check, Active until a failing quorum, then Jailed for the jail time and back to Active only on a fresh
/// passing check; figures are stake-weighted medians; the total supply never changes.
/// </summary>
[TestFixture]
public sealed class NodeLifecycleTests
{
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
    public void ANewNode_IsRegistered_WithItsClaim_AndNoReputation()
    {
        var node = _ledger.NodeState;
        Assert.That(node.Lifecycle, Is.EqualTo(NodeLifecycle.Registered));
        Assert.That(node.Claim.ClaimedMflops, Is.EqualTo(NodeLedgerFixture.ClaimedMflops));
        Assert.That(node.ReputationPpm, Is.Zero);
    }

    [Test]
    public void HalfThePower_IsNotAQuorum_ThreeQuartersMakeTheNodeActive_WithTheWeightedMedianFigures()
    {
        var mflops = new ulong[] { 4_000, 5_000, 9_000, 6_000 };
        _ledger.AttestAndCommit([0, 1, 2, 3], CheckKind.Latency, CheckVerdict.Pass);
        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Registered), "a latency quorum alone is not onboarding");
        _ledger.AttestAndCommitEach([0, 1], CheckKind.Hardware, CheckVerdict.Pass, v => a => { a.ThroughputMflops = mflops[v]; a.ThroughputPermille = (uint)(mflops[v] / 5); });
        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Registered), "20 of 40 is not more than 2/3");

        _ledger.AttestAndCommitEach([2], CheckKind.Hardware, CheckVerdict.Pass, v => a => { a.ThroughputMflops = mflops[v]; a.ThroughputPermille = (uint)(mflops[v] / 5); });

        var node = _ledger.NodeState;
        Assert.That(node.Lifecycle, Is.EqualTo(NodeLifecycle.Active));
        Assert.That(node.History.ActivatedHeight, Is.EqualTo(_ledger.Height));
        Assert.That(node.Figures.ThroughputMflops, Is.EqualTo(5_000), "the lower weighted median of 4000, 5000, 9000 at equal power");
        Assert.That(node.Figures.ThroughputPermille, Is.EqualTo(1_000));
        // Its class (itself alone) averaged the medians as each attestation came: 4000, 4000, then 4000 + (5000 - 4000) / 16.
        Assert.That(node.Figures.ClassPermille, Is.EqualTo(5_000 * 1000 / 4_062));
    }

    [Test]
    public void AFailingQuorum_JailsAnActiveNode_AndOnlyAFreshPassAfterTheJailTimeFreesIt()
    {
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Latency, CheckVerdict.Pass);
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Hardware, CheckVerdict.Pass);
        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Active));

        _ledger.AttestAndCommit([0, 1, 3], CheckKind.Latency, CheckVerdict.Unreachable);
        var jailed = _ledger.NodeState;
        Assert.That(jailed.Lifecycle, Is.EqualTo(NodeLifecycle.Jailed), "gone dark for three validators of four");
        Assert.That(jailed.History.JailCount, Is.EqualTo(1));
        var jailedAt = _ledger.Chain.Node.Status.LastTime;
        Assert.That(jailed.JailedUntilUnixMs, Is.EqualTo((jailedAt + NodeLedgerFixture.Parameters.Verification.JailTime).ToUnixTimeMilliseconds()));

        // Back and answering, but the jail time has not passed: still jailed.
        _ledger.AttestAndCommit([0, 1, 2, 3], CheckKind.Latency, CheckVerdict.Pass);
        _ledger.AttestAndCommit([0, 1, 2, 3], CheckKind.Hardware, CheckVerdict.Pass);
        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Jailed));

        // After it, a fresh passing check (made after the jailing) returns it to Active.
        _ledger.Chain.CommitNext(jailedAt + TimeSpan.FromMinutes(2));
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Hardware, CheckVerdict.Pass);
        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Active));
    }

    [Test]
    public void PassesMadeBeforeTheJailing_DoNotCountAsTheFreshCheck()
    {
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Latency, CheckVerdict.Pass);
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Hardware, CheckVerdict.Pass);
        _ledger.AttestAndCommit([1, 2, 3], CheckKind.Canary, CheckVerdict.Fail, a => a.CanaryFailed = 1);
        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Jailed));
        _ledger.Chain.CommitNext(_ledger.Chain.Node.Status.LastTime + TimeSpan.FromMinutes(2));

        // One fresh pass (validator 3, who had not attested hardware before); the older passes of 0-2 predate the jail.
        _ledger.AttestAndCommit([3], CheckKind.Hardware, CheckVerdict.Pass);

        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Jailed));
    }

    [Test]
    public void APassingHardwareQuorum_WithAFailingLatencyQuorum_NeverMakesTheNodeActive()
    {
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Hardware, CheckVerdict.Pass);
        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Registered), "no latency verdict yet: not onboarded");

        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Latency, CheckVerdict.Fail);
        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Registered), "a refuted region: never Active, so never jailed either");
        Assert.That(_ledger.NodeState.History.JailCount, Is.Zero);
    }

    [Test]
    public void AChangedClaim_SendsAnActiveNodeBackToRegistered()
    {
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Latency, CheckVerdict.Pass);
        _ledger.AttestAndCommit([0, 1, 2], CheckKind.Hardware, CheckVerdict.Pass);
        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Active));

        _ledger.RegisterNode(_ledger.NodeKey, claimed: NodeLedgerFixture.ClaimedMflops * 4);

        Assert.That(_ledger.NodeState.Lifecycle, Is.EqualTo(NodeLifecycle.Registered));
        Assert.That(_ledger.NodeState.Claim.ClaimedMflops, Is.EqualTo(NodeLedgerFixture.ClaimedMflops * 4));
    }

    [Test]
    public void AttestationsOutsideTheWindow_OrNotNewer_AreRefused()
    {
        var height = _ledger.Height;
        _ledger.Chain.Submit(_ledger.AttestTx(0, [_ledger.Attestation(0, CheckKind.Hardware, CheckVerdict.Pass, height)]));
        _ledger.Chain.CommitNext();

        _ledger.Chain.Refused(_ledger.AttestTx(0, [_ledger.Attestation(0, CheckKind.Hardware, CheckVerdict.Pass, height)]), ChainErrorCode.StaleAttestation);
        _ledger.Chain.Refused(_ledger.AttestTx(1, [_ledger.Attestation(1, CheckKind.Hardware, CheckVerdict.Pass, _ledger.Height + 5)]), ChainErrorCode.StaleAttestation);
        for (var i = 0; i < 21; i++) _ledger.Chain.CommitNext();
        _ledger.Chain.Refused(_ledger.AttestTx(1, [_ledger.Attestation(1, CheckKind.Hardware, CheckVerdict.Pass, height)]), ChainErrorCode.StaleAttestation);
    }

    [Test]
    public void NoValidator_CanPresentAnotherValidatorsCheck_OrANodeStatementItDidNotGet()
    {
        var byZero = _ledger.Attestation(0, CheckKind.Hardware, CheckVerdict.Pass);

        // Validator 1 copies validator 0's result: the node's statement names validator 0.
        var copied = byZero.Clone();
        copied.Validator = ByteString.CopyFrom(_ledger.Chain.Validators[1].PeerId.Bytes.Span);
        _ledger.Chain.Refused(_ledger.AttestTx(1, [copied]), ChainErrorCode.BadNodeStatement);

        // Or makes up a statement naming itself, which the node never signed.
        var forged = _ledger.Attestation(1, CheckKind.Hardware, CheckVerdict.Pass);
        forged.NodeSignature = byZero.NodeSignature;
        _ledger.Chain.Refused(_ledger.AttestTx(1, [forged]), ChainErrorCode.BadNodeStatement);

        // Or carries validator 0's signed attestation in its own transaction.
        _ledger.Chain.Refused(_ledger.AttestTx(1, [byZero], signer: _ledger.Chain.Validators[0]), ChainErrorCode.BadAttestation);

        // A non-validator cannot attest at all.
        var user = _ledger.Chain.Users[3];
        var byUser = _ledger.Attestation(0, CheckKind.Hardware, CheckVerdict.Pass);
        byUser.Validator = ByteString.CopyFrom(user.PeerId.Bytes.Span);
        _ledger.Chain.Refused(Txs.Sign(user, 0, t => t.Attest = new Attest { Attestations = { AttestationSigning.Sign(user, byUser) } }), ChainErrorCode.NotAValidator);
    }

    [Test]
    public void AnAttestationAboutAnUnregisteredNode_IsRefused()
    {
        var stranger = _ledger.Attestation(0, CheckKind.Latency, CheckVerdict.Unreachable, node: _ledger.Chain.Users[3]);
        _ledger.Chain.Refused(_ledger.AttestTx(0, [stranger]), ChainErrorCode.UnknownNode);
    }
}
