using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Streams;
using Cerebrum.Core.Verification;
using Cerebrum.Core.Verification.Proto;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// Dishonest nodes against a validator, in process (the dishonesty is test code: a node's challenge handler replaced, a
/// node stopped): one that turns slow after onboarding, one that goes dark, and one whose region claim its round trips
/// refute. Each is caught: jailed, or never made Active.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DishonestNodeTests
{
    [Test]
    public async Task ANodeThatRunsItsChallengesSlowly_IsJailed()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 2);
        await using var network = await VerificationNetwork.StartAsync(timeout.Token);
        var node = await network.StartNodeAsync("node", timeout.Token);
        await network.RegisterAsync(node, claimedMflops: 20, ct: timeout.Token);
        await network.WaitForLifecycleAsync(node.PeerId, NodeLifecycle.Active);

        using var key = KeyFile.Load(node.Data.KeyPath);
        node.Application.Network.Host.SetHandler(ChallengeProtocol.ProtocolId, (stream, ct) => AnswerSlowlyAsync(stream, key, ct));
        var attestation = await network.Verifier.CheckAsync(node.PeerId, CheckKind.Hardware, timeout.Token);

        Assert.That(attestation!.Verdict, Is.Not.EqualTo(CheckVerdict.Pass), attestation.Detail);
        var jailed = await network.WaitForLifecycleAsync(node.PeerId, NodeLifecycle.Jailed);
        Assert.That(jailed.History.JailCount, Is.EqualTo(1));
    }

    [Test]
    public async Task ANodeThatGoesDark_IsJailed()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 2);
        await using var network = await VerificationNetwork.StartAsync(timeout.Token, verification: """, "StepTimeout": "00:00:03" """);
        var node = await network.StartNodeAsync("node", timeout.Token);
        await network.RegisterAsync(node, claimedMflops: 20, ct: timeout.Token);
        await network.WaitForLifecycleAsync(node.PeerId, NodeLifecycle.Active);

        await network.StopNodeAsync(node);
        var attestation = await network.Verifier.CheckAsync(node.PeerId, CheckKind.Latency, timeout.Token);

        Assert.That(attestation!.Verdict, Is.EqualTo(CheckVerdict.Unreachable), attestation.Detail);
        await network.WaitForLifecycleAsync(node.PeerId, NodeLifecycle.Jailed);
    }

    [Test]
    public async Task ANodeClaimingARegionItsRoundTripsRefute_IsNeverActive()
    {
        using var timeout = new CancellationTokenSource(VerificationNetwork.Timeout * 2);
        // The validator says it is in Frankfurt; the node, on the same loopback, claims Tokyo.
        await using var network = await VerificationNetwork.StartAsync(timeout.Token, verification: """, "Location": "50.1,8.7" """);
        var node = await network.StartNodeAsync("node", timeout.Token);

        await network.RegisterAsync(node, claimedMflops: 20, region: "ap-northeast", ct: timeout.Token);
        var latency = await Poll.UntilAsync(() => Task.FromResult(network.Chain.GetNodeAttestations(node.PeerId, CheckKind.Latency).Attestations.SingleOrDefault()),
            a => a is not null, VerificationNetwork.Timeout, _ => "no latency attestation yet");
        await Poll.UntilAsync(() => Task.FromResult(network.Chain.GetNodeAttestations(node.PeerId, CheckKind.Hardware).Attestations.Count),
            count => count == 1, VerificationNetwork.Timeout, _ => "no hardware attestation yet");

        Assert.That(latency!.Verdict, Is.EqualTo(CheckVerdict.Fail));
        Assert.That(latency.Detail, Does.Contain("region ap-northeast refuted"));
        Assert.That(network.Chain.GetNode(node.PeerId)!.Lifecycle, Is.EqualTo(NodeLifecycle.Registered), "a passing hardware check does not outweigh a failing quorum");
    }

    /// <summary>A dishonest node's challenge handler: answers correctly, but only after twice the validator's deadline (a slower device than it claimed).</summary>
    private static async Task AnswerSlowlyAsync(ProtocolStream stream, PrivateKey key, CancellationToken ct)
    {
        var io = stream.Stream;
        var responder = new ChallengeResponder(key, stream.Connection.RemotePeer, ChallengeLimits.ForClaim(1_000_000, TimeSpan.FromSeconds(10)));
        try
        {
            var offer = (await ChallengeProtocol.ReadAsync(io, ChallengeMessage.BodyOneofCase.Offer, ct)).Offer;
            await ChallengeProtocol.WriteAsync(io, new ChallengeMessage { Accept = responder.Accept(offer) }, ct);
            var reveal = (await ChallengeProtocol.ReadAsync(io, ChallengeMessage.BodyOneofCase.Reveal, ct)).Reveal;
            var result = responder.Solve(reveal, ChallengeDevice.Cpu, ct);
            await Task.Delay(TimeSpan.FromMilliseconds(offer.DeadlineMs * 2), ct);
            await ChallengeProtocol.WriteAsync(io, new ChallengeMessage { Result = result }, ct);
            var open = (await ChallengeProtocol.ReadAsync(io, ChallengeMessage.BodyOneofCase.Open, ct)).Open;
            await ChallengeProtocol.WriteAsync(io, new ChallengeMessage { Opening = responder.Open(open) }, ct);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // The validator gave up on it first.
        }
    }
}
