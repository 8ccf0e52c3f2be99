using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Verification;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Node;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Exclusive leases enforced end to end, in process: a validator holding the "add" model keeps sending canaries from
/// throwaway identities to leased nodes. An honest leased node refuses them with the typed <c>leased</c> error, which
/// counts as a pass; a dishonest one (test code: its job admission replaced by one that serves everyone) answers, and the
/// validator files its node-signed receipt as <c>ReportLeaseBreach</c> by itself: the ledger slashes and jails the node
/// and marks the lease breached, once. The tenant is a key of the test that leases both nodes. The supply is checked
/// after every block.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class LeaseBreachEndToEndTests
{
    private const ulong Price = 5;
    private const ulong PricePerHour = 3_600;

    [Test]
    public async Task ALeasedNodeThatServesAStranger_IsReportedAndSlashedOnce_WhileAnHonestLeasedNodeOnlyPasses()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 4);
        await using var network = await VerificationNetwork.StartAsync(timeout.Token,
            verification: """, "CanaryInterval": "01:00:00", "CanaryFunding": 100000, "CanaryRecordDelay": "00:00:00" """, withModel: true);
        SupplyInvariant.Watch(network.Chain);
        var model = await network.RegisterAddModelAsync();
        var cheater = await network.StartModelNodeAsync("cheater", Price, timeout.Token);
        var honest = await network.StartModelNodeAsync("honest", Price, timeout.Token);
        foreach (var node in new[] { cheater, honest })
        {
            await network.RegisterAsync(node, claimedMflops: 20, ct: timeout.Token, models: [model]);
            await network.WaitForLifecycleAsync(node.PeerId, NodeLifecycle.Active);
        }
        using var tenant = PrivateKey.Generate(KeyType.Secp256k1);
        await network.FundAsync(tenant.PeerId, 1_000_000);
        var cheaterLease = await LeaseAsync(network, tenant, cheater);
        var honestLease = await LeaseAsync(network, tenant, honest);
        var cheaterStake = network.Chain.GetNode(cheater.PeerId)!.Stake;
        var honestStake = network.Chain.GetNode(honest.PeerId)!.Stake;
        // The dishonesty: the node's admission ignores its lease and serves every requester.
        cheater.Application.Services.GetRequiredService<NodeService>().ServingHandler!.Admission = new LeaseIgnoringAdmission();

        const int rounds = 4;
        for (var i = 0; i < rounds; i++)
        {
            var kept = await network.Verifier.CheckAsync(honest.PeerId, CheckKind.Canary, timeout.Token);
            Assert.That(kept, Is.Not.Null, "a leased node is still probed");
            Assert.That(kept!.Verdict, Is.EqualTo(CheckVerdict.Pass), kept.Detail);
            Assert.That(kept.Detail, Does.Contain("refused as leased"));
        }
        var served = await network.Verifier.CheckAsync(cheater.PeerId, CheckKind.Canary, timeout.Token);
        Assert.That(served, Is.Not.Null);
        Assert.That(served!.Detail, Does.Not.Contain("refused as leased"), "the cheater ran the stranger's job");

        var breached = await Poll.UntilAsync(() => Task.FromResult(network.Chain.GetLease(cheaterLease)!), l => l.Breached, VerificationNetwork.Timeout,
            _ => $"the lease is not breached yet; the cheater is {network.Chain.GetNode(cheater.PeerId)!.Lifecycle}");
        Assert.That(breached.Breached, Is.True);
        var slashed = await network.WaitForLifecycleAsync(cheater.PeerId, NodeLifecycle.Jailed);
        var expected = cheaterStake * network.Chain.Params.Verification.SlashPermille / 1000;
        Assert.That(slashed.History.Slashed, Is.EqualTo(expected), "slashed once, by the chain's share of its stake");
        Assert.That(slashed.Stake, Is.EqualTo(cheaterStake - expected));

        // Once per lease: a second stranger's job the cheater serves files nothing more (the lease is breached already).
        await network.Verifier.CheckAsync(cheater.PeerId, CheckKind.Canary, timeout.Token);
        await network.Verifier.CheckAsync(honest.PeerId, CheckKind.Canary, timeout.Token);
        var honestState = await Poll.UntilAsync(() => Task.FromResult(network.Chain.GetNode(honest.PeerId)!), n => n.Figures?.CanaryPassed == rounds + 1,
            VerificationNetwork.Timeout, n => $"canaries on the ledger: {n.Figures?.CanaryPassed} passed, {n.Figures?.CanaryFailed} failed");
        Assert.That(network.Chain.GetNode(cheater.PeerId)!.History.Slashed, Is.EqualTo(expected), "slashed once");
        Assert.That(honestState.Figures.CanaryFailed, Is.Zero, "refusing strangers during a lease costs no reputation");
        Assert.That(honestState.Lifecycle, Is.EqualTo(NodeLifecycle.Active));
        Assert.That(honestState.Stake, Is.EqualTo(honestStake));
        Assert.That(honestState.History.Slashed, Is.Zero);
        Assert.That(network.Chain.GetLease(honestLease)!.Breached, Is.False, "the honest leased node is never reported");
    }

    /// <summary>The tenant leases <paramref name="node"/> for an hour on terms the node countersigned (with its key, as its lease desk would); returns the lease id.</summary>
    private static async Task<byte[]> LeaseAsync(VerificationNetwork network, PrivateKey tenant, TestDaemon node)
    {
        using var key = KeyFile.Load(node.Data.KeyPath);
        var state = network.Chain.GetNode(node.PeerId)!;
        var terms = LeaseTermsSigning.Terms(tenant.PeerId, node.PeerId, 1, PricePerHour, state.LeaseSequence, DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds());
        network.Submit(TransactionCodec.Sign(tenant, new Transaction
        {
            ChainId = DevnetInitializer.ChainId,
            SenderPublicKey = ByteString.CopyFrom(tenant.PublicKey.ToProtobuf()),
            Nonce = network.Chain.GetNextNonce(tenant.PeerId),
            Fee = 1,
            CreateLease = new CreateLease { Terms = terms, NodeSignature = ByteString.CopyFrom(LeaseTermsSigning.Sign(key, DevnetInitializer.ChainId, terms)) },
        }));
        var id = PaymentIds.Lease(node.PeerId, terms.Sequence);
        await Poll.UntilAsync(() => network.Chain.GetLease(id) is not null && !network.Chain.GetNode(node.PeerId)!.LeaseId.IsEmpty, VerificationNetwork.Timeout);
        return id;
    }

    /// <summary>A dishonest node's admission: every requester is served, whatever lease the node is under.</summary>
    private sealed class LeaseIgnoringAdmission : IInferAdmission
    {
        public InferAdmission Admit(InferCaller caller) => InferAdmission.Free;
    }
}
