using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Verification;
using Cerebrum.Core.Verification.Proto;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;

namespace Cerebrum.Tests.Verification;

/// <summary>
/// The hardware challenge between a validator and nodes, honest and not, in process: the node really runs the model
/// with ONNX Runtime on the CPU; the validator's clock is a fake one the test moves (or the real one, for the node that
/// is too slow for its claim). A node cannot precompute (the seed is secret until the reveal), replay another node's
/// answer (the model is bound to its peer ID and nonce, the transcript to its key), skip work, or pass from a slower
/// device; CPU/GPU-like rounding passes.
/// </summary>
[TestFixture]
public sealed class HardwareChallengeTests
{
    private static readonly ChallengeShape Shape = new(Rows: 64, Width: 64, Depth: 8, DistinctWeights: 2);
    private static readonly ChallengePolicy Policy = new();
    private const ulong ClaimedMflops = 40;
    private static readonly TimeSpan ClaimedRun = TimeSpan.FromSeconds(Shape.Operations / (ClaimedMflops * 1e6));
    private PrivateKey _validator = null!;
    private PrivateKey _node = null!;
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp()
    {
        _validator = PrivateKey.Generate(KeyType.Secp256k1);
        _node = PrivateKey.Generate(KeyType.Secp256k1);
        _time = new FakeTimeProvider();
    }

    [TearDown]
    public void TearDown()
    {
        _validator.Dispose();
        _node.Dispose();
    }

    [Test]
    public void AnHonestNode_Passes_AtTheThroughputTheValidatorsClockShows()
    {
        var challenge = NewChallenge(_node.PeerId);
        var responder = new ChallengeResponder(_node, _validator.PeerId, ChallengeLimits.ForClaim(ClaimedMflops, TimeSpan.FromSeconds(10)));

        var outcome = Exchange(challenge, responder, ClaimedRun);

        Assert.That(outcome.Verdict, Is.EqualTo(ChallengeVerdict.Passed), outcome.Detail);
        Assert.That(outcome.ThroughputPermille, Is.InRange(990u, 1010u), "the claim's time on the validator's clock");
        Assert.That(outcome.MeasuredMflops, Is.InRange(ClaimedMflops * 99 / 100, ClaimedMflops * 101 / 100));
        Assert.That(outcome.Elapsed, Is.EqualTo(ClaimedRun));
        var transcript = outcome.Transcript!;
        Assert.That(transcript.Node.ToByteArray(), Is.EqualTo(_node.PeerId.Bytes.ToArray()));
        Assert.That(transcript.Validator.ToByteArray(), Is.EqualTo(_validator.PeerId.Bytes.ToArray()));
        Assert.That(transcript.OpenedRows, Has.Count.EqualTo(Policy.OpenedRows));
        Assert.That(ChallengeTranscripts.Verify(_node.PeerId, transcript, outcome.TranscriptSignature), Is.True);
    }

    [Test]
    public void TheOffer_HidesTheSeed_AndANodeThatComputedForAGuessedSeedFails()
    {
        var challenge = NewChallenge(_node.PeerId);
        var offerBytes = challenge.Offer.ToByteArray();
        var accept = new ChallengeAccept { NodeNonce = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) };

        // Precomputed before the reveal, for the best guess it has: the commitment's preimage is unknown, so any seed.
        var guessed = new ChallengeModel(ChallengeSeeds.DeriveModelSeed(RandomNumberGenerator.GetBytes(32), accept.NodeNonce.Span, _validator.PeerId, _node.PeerId, Shape, 7), Shape);
        var precomputed = ChallengeSolution.Run(guessed, ChallengeDevice.Cpu);
        var reveal = challenge.Reveal(accept)!;
        Assert.That(Contains(offerBytes, reveal.Seed.ToByteArray()), Is.False, "the seed travels only in the reveal");
        var open = challenge.ReceiveResult(new ChallengeResult { OutputRoot = ByteString.CopyFrom(precomputed.OutputRoot) })!;
        var outcome = challenge.Finish(SignedOpening(_node, challenge, accept, reveal, precomputed, open));

        Assert.That(outcome.Verdict, Is.EqualTo(ChallengeVerdict.WrongOutput), outcome.Detail);
    }

    [Test]
    public void ANode_RefusesASeedOtherThanTheCommittedOne()
    {
        var challenge = NewChallenge(_node.PeerId);
        var responder = new ChallengeResponder(_node, _validator.PeerId, ChallengeLimits.ForClaim(ClaimedMflops, TimeSpan.FromSeconds(10)));
        challenge.Reveal(responder.Accept(challenge.Offer));

        var swapped = new ChallengeReveal { Seed = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) };

        Assert.That(() => responder.Solve(swapped, ChallengeDevice.Cpu), Throws.TypeOf<ChallengeRefusedException>().With.Message.Contains("commitment"));
    }

    [Test]
    public void ANodeReplayingAnotherNodesAnswer_Fails_WithThatNodesSignatureOrItsOwn()
    {
        using var other = PrivateKey.Generate(KeyType.Secp256k1);
        var limits = ChallengeLimits.ForClaim(ClaimedMflops, TimeSpan.FromSeconds(10));

        // The cheat forwards every message of its own challenge to the other node, which answers honestly as itself.
        var forwarded = ReplayThrough(other, limits, resign: false);
        Assert.That(forwarded.Verdict, Is.EqualTo(ChallengeVerdict.BadAnswer), forwarded.Detail);
        Assert.That(forwarded.Detail, Does.Contain("signature"));

        // Or it signs the transcript itself: the rows are the other node's model's, not the one bound to its own peer ID.
        var resigned = ReplayThrough(other, limits, resign: true);
        Assert.That(resigned.Verdict, Is.EqualTo(ChallengeVerdict.WrongOutput), resigned.Detail);
    }

    [Test]
    public void ANodeThatComputedOneRowInEight_IsCaughtByTheOpenedRows()
    {
        var challenge = NewChallenge(_node.PeerId);
        var accept = new ChallengeAccept { NodeNonce = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32)) };
        var reveal = challenge.Reveal(accept)!;
        var model = new ChallengeModel(ChallengeSeeds.DeriveModelSeed(reveal.Seed.Span, accept.NodeNonce.Span, _validator.PeerId, _node.PeerId, Shape, 7), Shape);
        var output = new float[Shape.Rows * Shape.Width];
        for (var r = 0; r < Shape.Rows; r += 8)
            model.ReferenceRow(r).Select(v => (float)v).ToArray().CopyTo(output, r * Shape.Width);
        var tree = MerkleTree.Build([.. Enumerable.Range(0, Shape.Rows).Select(r => MerkleTree.LeafHash(MemoryMarshal.AsBytes(output.AsSpan(r * Shape.Width, Shape.Width))))]);

        var open = challenge.ReceiveResult(new ChallengeResult { OutputRoot = ByteString.CopyFrom(tree.Root) })!;
        var opening = new ChallengeOpening();
        foreach (var row in open.Rows)
        {
            var rowOpening = new RowOpening { Row = row, Values = ByteString.CopyFrom(MemoryMarshal.AsBytes(output.AsSpan((int)row * Shape.Width, Shape.Width))) };
            rowOpening.Proof.AddRange(tree.Proof((int)row).Select(ByteString.CopyFrom));
            opening.Rows.Add(rowOpening);
        }
        opening.TranscriptSignature = ByteString.CopyFrom(ChallengeTranscripts.Sign(_node, Transcript(challenge, accept, reveal, tree.Root, open)));
        var outcome = challenge.Finish(opening);

        // Passing needs all eight opened rows among the computed eighth: (1/8)^8, about 6e-8.
        Assert.That(outcome.Verdict, Is.EqualTo(ChallengeVerdict.WrongOutput), outcome.Detail);
    }

    [Test]
    public void ANodeSlowerThanItsClaim_IsTooSlow_ByThroughputOrByTheDeadline()
    {
        var limits = ChallengeLimits.ForClaim(ClaimedMflops, TimeSpan.FromSeconds(10));
        var halfAsFast = Exchange(NewChallenge(_node.PeerId), new ChallengeResponder(_node, _validator.PeerId, limits), ClaimedRun * 2.5);
        Assert.That(halfAsFast.Verdict, Is.EqualTo(ChallengeVerdict.TooSlow), halfAsFast.Detail);
        Assert.That(halfAsFast.ThroughputPermille, Is.InRange(395u, 405u));

        var challenge = NewChallenge(_node.PeerId);
        var responder = new ChallengeResponder(_node, _validator.PeerId, limits);
        var result = responder.Solve(challenge.Reveal(responder.Accept(challenge.Offer))!, ChallengeDevice.Cpu);
        _time.Advance(challenge.Deadline + TimeSpan.FromMilliseconds(1));
        Assert.That(challenge.ReceiveResult(result), Is.Null);
        Assert.That(challenge.Outcome!.Verdict, Is.EqualTo(ChallengeVerdict.TooSlow), challenge.Outcome.Detail);
    }

    [Test]
    public async Task ANodeClaimingTwentyTimesThisCpu_CannotAnswerInTime_OnTheRealClock()
    {
        // This machine's own rate, measured now; the claim is twenty times it, the challenge sized for that claim.
        var probe = new ChallengeShape(256, 128, 8, 2);
        var run = ChallengeSolution.Run(new ChallengeModel(RandomNumberGenerator.GetBytes(32), probe), ChallengeDevice.Cpu);
        var actualMflops = probe.Operations / run.ComputeTime.TotalSeconds / 1e6;
        var claim = (ulong)(actualMflops * 20);
        var policy = Policy with { TargetDuration = TimeSpan.FromMilliseconds(100), CpuWidth = 128, Depth = 8, DistinctWeights = 2 };
        var challenge = HardwareChallenge.Create(_validator.PeerId, _node.PeerId, claim, gpu: false, policy, 7, TimeSpan.Zero, TimeProvider.System);
        var responder = new ChallengeResponder(_node, _validator.PeerId, ChallengeLimits.ForClaim(claim, TimeSpan.FromSeconds(10)));
        var reveal = challenge.Reveal(responder.Accept(challenge.Offer))!;

        using var deadline = new CancellationTokenSource(challenge.Deadline);
        var solving = Task.Run(() => responder.Solve(reveal, ChallengeDevice.Cpu, deadline.Token));
        try
        {
            challenge.ReceiveResult(await solving);
        }
        catch (OperationCanceledException)
        {
            challenge.Abandon("no result before the deadline");
        }

        Assert.That(challenge.Outcome, Is.Not.Null);
        Assert.That(challenge.Outcome!.Verdict, Is.EqualTo(ChallengeVerdict.TooSlow), challenge.Outcome.Detail);
    }

    [Test]
    public void GpuLikeRounding_PassesTheTolerance_AndAWrongLayerDoesNot()
    {
        var shape = new ChallengeShape(16, 256, 16, 4);
        var model = new ChallengeModel(RandomNumberGenerator.GetBytes(32), shape);
        var challenge = HardwareChallenge.Create(_validator.PeerId, _node.PeerId, shape, 1, Policy, 1, TimeSpan.Zero, _time);
        for (var row = 0; row < 4; row++)
        {
            var reference = model.ReferenceRow(row);
            var tf32 = Tf32Row(model, row, swapLayer: -1);
            var wrong = Tf32Row(model, row, swapLayer: shape.Depth / 2);
            var tf32Error = HardwareChallenge.RelativeError(tf32, reference);
            Assert.That(tf32Error, Is.GreaterThan(1e-5), "TF32 really rounds");
            Assert.That(tf32Error, Is.LessThan(challenge.Tolerance / 4), "with room to spare");
            Assert.That(HardwareChallenge.RelativeError(wrong, reference), Is.GreaterThan(0.5));
        }
    }

    [Test]
    public void ANode_RefusesOffersBeyondItsLimits()
    {
        var responder = new ChallengeResponder(_node, _validator.PeerId, new ChallengeLimits(MaxOperations: Shape.Operations / 2, TimeSpan.FromSeconds(1)));
        Assert.That(() => responder.Accept(NewChallenge(_node.PeerId).Offer), Throws.TypeOf<ChallengeRefusedException>().With.Message.Contains("operations"));
        var malformed = new ChallengeOffer { Commitment = ByteString.CopyFrom(new byte[32]), Shape = new ChallengeShape(1, 64, 1, 1).ToMessage() };
        malformed.Shape.Width = 100_000;
        Assert.That(() => new ChallengeResponder(_node, _validator.PeerId, new ChallengeLimits(1e12, TimeSpan.FromSeconds(1))).Accept(malformed), Throws.TypeOf<ChallengeRefusedException>());
    }

    private HardwareChallenge NewChallenge(PeerId node) =>
        HardwareChallenge.Create(_validator.PeerId, node, Shape, ClaimedMflops, Policy, 7, TimeSpan.Zero, _time);

    private ChallengeOutcome Exchange(HardwareChallenge challenge, ChallengeResponder responder, TimeSpan runTime)
    {
        var reveal = challenge.Reveal(responder.Accept(challenge.Offer))!;
        var result = responder.Solve(reveal, ChallengeDevice.Cpu);
        _time.Advance(runTime);
        var open = challenge.ReceiveResult(result);
        return open is null ? challenge.Outcome! : challenge.Finish(responder.Open(open));
    }

    private ChallengeOutcome ReplayThrough(PrivateKey other, ChallengeLimits limits, bool resign)
    {
        var challenge = NewChallenge(_node.PeerId);
        var victim = new ChallengeResponder(other, _validator.PeerId, limits);
        var accept = victim.Accept(challenge.Offer);
        var reveal = challenge.Reveal(accept)!;
        var result = victim.Solve(reveal, ChallengeDevice.Cpu);
        var open = challenge.ReceiveResult(result)!;
        var opening = victim.Open(open);
        if (resign)
            opening.TranscriptSignature = ByteString.CopyFrom(ChallengeTranscripts.Sign(_node, Transcript(challenge, accept, reveal, result.OutputRoot.ToByteArray(), open, result.ComputeMicros)));
        return challenge.Finish(opening);
    }

    private ChallengeOpening SignedOpening(PrivateKey node, HardwareChallenge challenge, ChallengeAccept accept, ChallengeReveal reveal, ChallengeSolution solution, ChallengeOpen open)
    {
        var opening = new ChallengeOpening { TranscriptSignature = ByteString.CopyFrom(ChallengeTranscripts.Sign(node, Transcript(challenge, accept, reveal, solution.OutputRoot, open))) };
        opening.Rows.AddRange(open.Rows.Select(r => solution.Open((int)r)));
        return opening;
    }

    private ChallengeTranscript Transcript(HardwareChallenge challenge, ChallengeAccept accept, ChallengeReveal reveal, byte[] root, ChallengeOpen open, ulong computeMicros = 0)
    {
        var transcript = new ChallengeTranscript
        {
            Validator = ByteString.CopyFrom(_validator.PeerId.Bytes.Span),
            Node = ByteString.CopyFrom(_node.PeerId.Bytes.Span),
            Commitment = challenge.Offer.Commitment,
            Seed = reveal.Seed,
            NodeNonce = accept.NodeNonce,
            Shape = challenge.Offer.Shape,
            Height = challenge.Offer.Height,
            Kind = challenge.Kind,
            OutputRoot = ByteString.CopyFrom(root),
            ComputeMicros = computeMicros,
        };
        transcript.OpenedRows.AddRange(open.Rows);
        return transcript;
    }

    /// <summary>
    /// A row as a GPU's tensor cores compute it: every product's operands rounded to TF32 (10 mantissa bits), sums in
    /// float32 in blocks of 32 (another order than the reference's); <paramref name="swapLayer"/> multiplies that layer by
    /// another weight (a node that got the model wrong).
    /// </summary>
    private static float[] Tf32Row(ChallengeModel model, int row, int swapLayer)
    {
        var n = model.Shape.Width;
        var current = model.Input().AsSpan(row * n, n).ToArray();
        for (var l = 0; l < model.Order.Count; l++)
        {
            var w = l == swapLayer ? (model.Order[l] + 1) % model.Shape.DistinctWeights : model.Order[l];
            var weight = model.Weight(w);
            var next = new float[n];
            for (var j = 0; j < n; j++)
            {
                var total = 0f;
                for (var block = 0; block < n; block += 32)
                {
                    var partial = 0f;
                    for (var i = block; i < block + 32 && i < n; i++) partial += Tf32(current[i]) * Tf32(weight[i * n + j]);
                    total += partial;
                }
                next[j] = total;
            }
            current = next;
        }
        return current;
    }

    private static float Tf32(float value)
    {
        var bits = BitConverter.SingleToInt32Bits(value);
        bits = (bits + 0x1000) & unchecked((int)0xFFFFE000); // round to nearest, keep 10 of 23 mantissa bits
        return BitConverter.Int32BitsToSingle(bits);
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
