using Cerebrum.Core.Chain.Proto;
using Cerebrum.Daemon.Chain;
using Microsoft.Extensions.DependencyInjection;

using Cerebrum.Tests.Cli;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Node verification with real daemons in process: a validator onboards a node that registers (a hardware challenge and
/// a latency probe over /cerebrum/challenge/1.0.0, attestations recorded by its Attest transactions) and the ledger
/// makes the node Active with its attested figures; a node claiming far more than it has fails the challenge in time and
/// stays Registered; an honest node checked round after round never gets a false verdict.
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

        // The operator's view: cerebrum node show / list on the validator's ledger, cerebrumd doctor on the node.
        var (exitCode, shown, stderr) = await CliHelpTests.RunAsync("node", "show", node.PeerId.ToString(), "--data-dir", network.Validator.Data.Root);
        Assert.That(exitCode, Is.Zero, stderr);
        var lines = shown.Split('\n');
        Assert.That(lines, Does.Contain($"node {node.PeerId}").And.Contain("state active").And.Contain("stake " + network.Chain.Params.MinNodeStake));
        Assert.That(lines.Single(l => l.StartsWith("throughput ", StringComparison.Ordinal)), Does.Contain(" MFLOPS, ").And.Contain("‰ of its claim"));
        Assert.That(lines.Single(l => l.StartsWith("latency ", StringComparison.Ordinal)), Does.EndWith("median of 1 validator(s)"));
        Assert.That(lines, Has.One.StartsWith($"  {network.Validator.PeerId} ").And.Contains(" pass at height "));
        var (_, listed, _) = await CliHelpTests.RunAsync("node", "list", "--json", "--data-dir", network.Validator.Data.Root);
        using (var json = System.Text.Json.JsonDocument.Parse(listed))
        {
            var row = json.RootElement.EnumerateArray().Single();
            Assert.That(row.GetProperty("peerId").GetString(), Is.EqualTo(node.PeerId.ToString()));
            Assert.That(row.GetProperty("state").GetString(), Is.EqualTo("active"));
            Assert.That(row.GetProperty("attestedMflops").GetUInt64(), Is.EqualTo(active.Figures.ThroughputMflops));
        }
        // The node's own ledger follows the validator's by gossip and sync: wait until it has the block that made it Active.
        var nodeChain = node.Application.Services.GetRequiredService<ChainService>().Chain;
        await Poll.UntilAsync(() => nodeChain.GetNode(node.PeerId)?.Lifecycle == NodeLifecycle.Active, VerificationNetwork.Timeout);
        using var doctorOut = new StringWriter();
        await Cerebrum.Daemon.CommandLine.CerebrumdCommandLine.RunAsync(["doctor", "--data-dir", node.Data.Root], doctorOut, TextWriter.Null, timeout.Token);
        Assert.That(doctorOut.ToString(), Does.Contain("ok    registration: active: stake "));
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

    [Test]
    public async Task AnHonestNode_CheckedForManyRounds_GetsNoFalseVerdict()
    {
        const int rounds = 12;
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 3);
        await using var network = await VerificationNetwork.StartAsync(timeout.Token);
        var node = await network.StartNodeAsync("node", timeout.Token);
        await network.RegisterAsync(node, claimedMflops: 20, ct: timeout.Token);
        await network.WaitForLifecycleAsync(node.PeerId, NodeLifecycle.Active);

        var verdicts = new List<Attestation>();
        for (var round = 0; round < rounds; round++)
        {
            // One round per block: the ledger keeps a validator's check of a kind only when it is from a later height.
            var height = network.Chain.Status.Height;
            await Poll.UntilAsync(() => network.Chain.Status.Height > height, VerificationNetwork.Timeout);
            verdicts.Add((await network.Verifier.CheckAsync(node.PeerId, CheckKind.Hardware, timeout.Token))!);
            verdicts.Add((await network.Verifier.CheckAsync(node.PeerId, CheckKind.Latency, timeout.Token))!);
        }

        Assert.That(verdicts.Where(a => a.Verdict != CheckVerdict.Pass).Select(a => $"{a.Kind} {a.Verdict} {a.Detail}"), Is.Empty);
        var last = verdicts[^1];
        // Every round is recorded (the last latency attestation reaches the ledger), and the node was never jailed.
        await Poll.UntilAsync(() => network.Chain.GetNodeAttestations(node.PeerId, CheckKind.Latency).Attestations.Single().ProbesSent == last.ProbesSent, VerificationNetwork.Timeout);
        var state = network.Chain.GetNode(node.PeerId)!;
        Assert.That(state.Lifecycle, Is.EqualTo(NodeLifecycle.Active));
        Assert.That(state.History.JailCount, Is.Zero);
        Assert.That(state.Figures.AvailabilityPpm, Is.EqualTo(1_000_000), "every probe answered");
        Assert.That(last.ProbesSent, Is.EqualTo((ulong)rounds + 1), "the onboarding probe and one per round");
    }
}
