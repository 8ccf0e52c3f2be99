using Cerebrum.Core.Chain.Proto;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Gateway second runs end to end, in process: a validator holding the "add" model, two Active nodes serving it (one
/// wrong on every job: test code re-signs shifted answers), and a gateway on the same ledger with
/// <c>Gateway:SecondRuns:Share</c> 1. Every answered request is run again on the other node; the outputs disagree, the
/// gateway files both answers as disputes, the validator re-executes them by itself, and the ledger slashes and jails the
/// wrong node while the honest one's dispute is dismissed. The supply is checked after every block.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class GatewaySecondRunEndToEndTests
{
    private const ulong Price = 5;

    [Test]
    public async Task AWrongNodeBehindAGatewayThatRunsEveryRequestTwice_IsDisputedAndSlashed_AndTheHonestNodeIsNot()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 4);
        await using var network = await VerificationNetwork.StartAsync(timeout.Token,
            verification: """, "CanaryInterval": "01:00:00", "CanaryRecordDelay": "00:00:00" """, withModel: true);
        SupplyInvariant.Watch(network.Chain);
        var model = await network.RegisterAddModelAsync();
        var wrong = await network.StartModelNodeAsync("wrong", Price, timeout.Token);
        var honest = await network.StartModelNodeAsync("honest", Price, timeout.Token);
        foreach (var node in new[] { wrong, honest })
        {
            await network.RegisterAsync(node, claimedMflops: 20, ct: timeout.Token, models: [model]);
            await network.WaitForLifecycleAsync(node.PeerId, NodeLifecycle.Active);
        }
        var wrongStake = network.Chain.GetNode(wrong.PeerId)!.Stake;
        var honestStake = network.Chain.GetNode(honest.PeerId)!.Stake;
        CanaryEndToEndTests.Tamper(wrong, (outputs, _) => CanaryEndToEndTests.Shift(outputs, 0.05f));

        var gateway = await network.StartGatewayAsync(""", "SecondRuns": { "Share": 1 }, "Payments": { "Deposit": 10000 } """, timeout.Token);
        await network.FundAsync(gateway.PeerId, 10_000_000);
        await gateway.WaitForRoutesAsync("add", 2);
        var runner = gateway.Application.Services.GetRequiredService<SecondRunService>().Runner!;
        Assert.That(runner, Is.Not.Null, "a share above 0 turns second runs on");

        using var http = gateway.HttpClient();
        for (var i = 0; i < 4; i++)
        {
            var (status, body) = await http.PostJsonAsync("v2/models/add/infer", GatewayTestNetwork.AddRequest(i), timeout.Token);
            Assert.That(status, Is.EqualTo(200), body.ToString());
        }
        // A disagreement is counted before its two disputes are filed: wait for both.
        await Poll.UntilAsync(() => Task.FromResult(runner.DisputesFiled), filed => filed >= 2, VerificationNetwork.Timeout,
            _ => $"{runner.Done} second runs done, {runner.Mismatches} mismatches, {runner.DisputesFiled} disputes filed, {runner.Dropped} dropped");

        Assert.That(runner.Mismatches, Is.GreaterThan(0), "the wrong node's answers disagree with the honest node's");
        Assert.That(runner.DisputesFiled, Is.GreaterThanOrEqualTo(2), "both answers of a disagreement are filed");
        var slashed = await Poll.UntilAsync(() => Task.FromResult(network.Chain.GetNode(wrong.PeerId)!), n => n.History.DisputesLost >= 1, VerificationNetwork.Timeout,
            n => $"disputes lost {n.History.DisputesLost}, open disputes {network.Chain.ListDisputes().Count}; {string.Join("; ", network.Verifier.Recent.Select(a => $"{a.Kind} {a.Verdict} {a.Detail}"))}");
        Assert.That(slashed.Lifecycle, Is.EqualTo(NodeLifecycle.Jailed));
        // Every dispute is re-executed and settled: the wrong node's lost, the honest node's dismissed.
        await Poll.UntilAsync(() => Task.FromResult(network.Chain.ListDisputes()), open => open.Count == 0, VerificationNetwork.Timeout,
            open => $"{open.Count} disputes still open");
        slashed = network.Chain.GetNode(wrong.PeerId)!;
        // Each wrong answer filed is its own evidence: the first slash takes slashPermille of the stake, later ones of what is left.
        Assert.That(slashed.History.Slashed, Is.GreaterThanOrEqualTo(wrongStake * network.Chain.Params.Verification.SlashPermille / 1000));
        Assert.That(slashed.Stake + slashed.History.Slashed, Is.EqualTo(wrongStake), "what was slashed left its stake");
        Assert.That(network.Verifier.Recent.Any(a => a.Kind == CheckKind.Receipt && a.Verdict == CheckVerdict.Pass && a.Node.Span.SequenceEqual(honest.PeerId.Bytes.Span)), Is.True,
            "the validator re-executed the honest node's answer and found it right");
        var honestState = network.Chain.GetNode(honest.PeerId)!;
        Assert.That(honestState.History.Slashed, Is.Zero);
        Assert.That(honestState.History.DisputesLost, Is.Zero);
        Assert.That(honestState.Stake, Is.EqualTo(honestStake));
        Assert.That(honestState.Lifecycle, Is.EqualTo(NodeLifecycle.Active));
    }
}
