using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Verification;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Verification;

/// <summary>
/// <c>/cerebrum/challenge/1.0.0</c> between two real hosts on loopback: a hardware check and a latency probe pass with
/// the node's signed statement of the right kind; a node refuses a peer that is not a validator and checks beyond its
/// budget, which the validator sees as no answer.
/// </summary>
[TestFixture]
public sealed class ChallengeProtocolTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(20);
    private PeerHost _validator = null!;
    private PeerHost _node = null!;
    private PrivateKey _nodeKey = null!;

    [SetUp]
    public async Task SetUp()
    {
        _nodeKey = PrivateKey.Generate(KeyType.Secp256k1);
        _validator = await TestHosts.StartAsync();
        _node = await TestHosts.StartAsync(configure: o => o with { Identity = _nodeKey });
    }

    [TearDown]
    public async Task TearDown()
    {
        await _validator.DisposeAsync();
        await _node.DisposeAsync();
        _nodeKey.Dispose();
    }

    [Test]
    public async Task AHardwareCheckAndALatencyProbe_PassOverTheWire_WithTheNodesStatement()
    {
        Handler(refuse: _ => null).Register(_node);
        using var timeout = new CancellationTokenSource(TestHosts.Timeout);
        var connection = await _validator.DialAsync(TestHosts.AddressOf(_node), timeout.Token);

        var hardware = HardwareChallenge.Create(_validator.PeerId, _node.PeerId, new ChallengeShape(64, 64, 8, 2), 1, new ChallengePolicy(), 5, TimeSpan.Zero, TimeProvider.System);
        var outcome = await ChallengeProtocolClient.RunAsync(connection, hardware, Step, timeout.Token);
        var probe = HardwareChallenge.CreateProbe(_validator.PeerId, _node.PeerId, 5, TimeSpan.FromSeconds(10), TimeProvider.System);
        var probed = await ChallengeProtocolClient.RunAsync(connection, probe, Step, timeout.Token);

        Assert.That(outcome.Verdict, Is.EqualTo(ChallengeVerdict.Passed), outcome.Detail);
        var attestation = outcome.ToAttestation(_validator.PeerId, _node.PeerId, 5);
        Assert.That(attestation.Statement.Kind, Is.EqualTo(CheckKind.Hardware));
        Assert.That(Core.Chain.Nodes.CheckStatements.Verify(_node.PeerId, attestation.Statement, attestation.NodeSignature.Span), Is.True);
        Assert.That(probed.Verdict, Is.EqualTo(ChallengeVerdict.Passed), probed.Detail);
        var latency = probed.ToAttestation(_validator.PeerId, _node.PeerId, 5, CheckKind.Latency);
        Assert.That(latency.Kind, Is.EqualTo(CheckKind.Latency));
        Assert.That(latency.Statement.Kind, Is.EqualTo(CheckKind.Latency), "the node signed a latency statement, not a hardware one");
        Assert.That(latency.ThroughputMflops, Is.Zero);
    }

    [Test]
    public async Task ANonValidator_IsRefused_AndGetsNoStatement()
    {
        Handler(refuse: peer => $"{peer} is not a validator").Register(_node);
        using var timeout = new CancellationTokenSource(TestHosts.Timeout);
        var connection = await _validator.DialAsync(TestHosts.AddressOf(_node), timeout.Token);

        var challenge = HardwareChallenge.Create(_validator.PeerId, _node.PeerId, new ChallengeShape(8, 8, 1, 1), 1, new ChallengePolicy(), 5, TimeSpan.Zero, TimeProvider.System);
        var outcome = await ChallengeProtocolClient.RunAsync(connection, challenge, Step, timeout.Token);

        Assert.That(outcome.Verdict, Is.EqualTo(ChallengeVerdict.Unanswered));
        Assert.That(outcome.Detail, Does.Contain("not a validator"));
        Assert.That(outcome.Transcript, Is.Null);
    }

    [Test]
    public async Task ChecksBeyondTheNodesBudget_AreRefused()
    {
        var budget = new ChallengeBudget(TimeProvider.System, maxShare: 0.01, window: TimeSpan.FromSeconds(10));
        budget.Record(TimeSpan.FromSeconds(1));
        Handler(refuse: _ => null, budget).Register(_node);
        using var timeout = new CancellationTokenSource(TestHosts.Timeout);
        var connection = await _validator.DialAsync(TestHosts.AddressOf(_node), timeout.Token);

        var challenge = HardwareChallenge.Create(_validator.PeerId, _node.PeerId, new ChallengeShape(8, 8, 1, 1), 1, new ChallengePolicy(), 5, TimeSpan.Zero, TimeProvider.System);
        var outcome = await ChallengeProtocolClient.RunAsync(connection, challenge, Step, timeout.Token);

        Assert.That(outcome.Verdict, Is.EqualTo(ChallengeVerdict.Unanswered));
        Assert.That(outcome.Detail, Does.Contain("cap"));
    }

    private ChallengeProtocolHandler Handler(Func<PeerId, string?> refuse, ChallengeBudget? budget = null) =>
        new(_nodeKey, refuse, () => ChallengeLimits.ForClaim(100_000, TimeSpan.FromSeconds(10)), () => ChallengeDevice.Cpu, budget ?? new ChallengeBudget(TimeProvider.System));
}
