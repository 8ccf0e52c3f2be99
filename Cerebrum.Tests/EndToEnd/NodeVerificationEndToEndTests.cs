using Cerebrum.Core.Chain.Proto;

using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Node verification with real daemons in process: a validator onboards a node that registers (a hardware challenge and
/// a latency probe over /cerebrum/challenge/1.0.0, attestations recorded by its Attest transactions) and the ledger
/// makes the node Active with its attested figures; a node claiming far more than it has fails the challenge in time and
/// stays Registered.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class NodeVerificationEndToEndTests
{
    [Test]
    public async Task ARegisteredNode_IsCheckedAtOnboarding_AndBecomesActive()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 2);
        await using var network = await VerificationNetwork.StartAsync(timeout.Token);
        var node = await network.StartNodeAsync("node", timeout.Token);

        await network.RegisterAsync(node, claimedMflops: 20, ct: timeout.Token);
        var active = await network.WaitForLifecycleAsync(node.PeerId, NodeLifecycle.Active);

        Assert.That(active.Figures.ThroughputMflops, Is.GreaterThan(0));
        Assert.That(active.Figures.ThroughputPermille, Is.GreaterThanOrEqualTo(500));
        Assert.That(active.History.ActivatedHeight, Is.GreaterThan(0));
        var latency = network.Chain.GetNodeAttestations(node.PeerId, CheckKind.Latency).Attestations.Single();
        Assert.That(latency.Verdict, Is.EqualTo(CheckVerdict.Pass), latency.Detail);
        Assert.That(latency.RttMicros, Is.GreaterThan(0));
        Assert.That(latency.ProbesAnswered, Is.EqualTo(1));
    }

    [Test]
    public async Task ANodeClaimingTwoTeraflopsOnTwoCpuCores_FailsItsChallenge_AndStaysRegistered()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 2);
        await using var network = await VerificationNetwork.StartAsync(timeout.Token);
        var node = await network.StartNodeAsync("node", timeout.Token);

        // About ten times what two cores could do at their theoretical peak (AVX2 FMA), whatever the load.
        await network.RegisterAsync(node, claimedMflops: 2_000_000, ct: timeout.Token);
        var attestation = await Poll.UntilAsync(() => Task.FromResult(network.Chain.GetNodeAttestations(node.PeerId, CheckKind.Hardware).Attestations.SingleOrDefault()),
            a => a is not null, VerificationNetwork.Timeout, _ => "no hardware attestation yet");

        Assert.That(attestation!.Verdict, Is.Not.EqualTo(CheckVerdict.Pass), attestation.Detail);
        Assert.That(network.Chain.GetNode(node.PeerId)!.Lifecycle, Is.EqualTo(NodeLifecycle.Registered));
    }
}
