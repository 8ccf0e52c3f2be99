using Cerebrum.Core.Chain.Proto;

using Cerebrum.Tests.Cli;
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
}
