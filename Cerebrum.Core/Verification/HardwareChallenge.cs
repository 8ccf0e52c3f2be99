using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Verification.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// One hardware challenge from the validator's side, as a state machine fed the node's messages and the validator's
/// clock: <see cref="Offer"/> (the seed's commitment and the shape) → <see cref="Reveal"/> (given the node's nonce;
/// the clock starts) → <see cref="ReceiveResult"/> (the output root; the clock stops; rows to open are picked now, with
/// the validator's own randomness) → <see cref="Finish"/> (proofs, the node's transcript signature, and the opened rows
/// recomputed on the CPU within <see cref="Tolerance"/>). A method that ends the challenge returns null and sets
/// <see cref="Outcome"/>; so does <see cref="Abandon"/> when the node stops answering.
/// </summary>
public sealed class HardwareChallenge
{
    public const int MaxOpenedRows = 64;

    private readonly byte[] _seed;
    private readonly ulong _claimedMflops;
    private readonly TimeSpan _deadline;
    private readonly TimeSpan _networkAllowance;
    private readonly int _openedRows;
    private readonly uint _minThroughputPermille;
    private readonly TimeProvider _time;
    private Step _step = Step.Offered;
    private byte[]? _nodeNonce;
    private long _revealedAt;
    private TimeSpan _elapsed;
    private ChallengeResult? _result;
    private uint[] _rows = [];

    private HardwareChallenge(PeerId validator, PeerId node, ChallengeShape shape, ulong claimedMflops, ChallengePolicy policy,
        ulong height, TimeSpan networkAllowance, TimeProvider time, CheckKind kind = CheckKind.Hardware, TimeSpan? deadline = null)
    {
        Validator = validator;
        Node = node;
        Shape = shape;
        Height = height;
        Kind = kind;
        _claimedMflops = claimedMflops;
        _networkAllowance = networkAllowance;
        _deadline = deadline ?? policy.DeadlineFor(shape, claimedMflops, networkAllowance);
        _openedRows = Math.Min(policy.OpenedRows, shape.Rows);
        _minThroughputPermille = policy.MinThroughputPermille;
        _time = time;
        _seed = RandomNumberGenerator.GetBytes(ChallengeSeeds.SeedSize);
        Offer = new ChallengeOffer
        {
            Commitment = ByteString.CopyFrom(ChallengeSeeds.Commit(_seed)),
            Shape = shape.ToMessage(),
            DeadlineMs = (uint)Math.Min(uint.MaxValue, Math.Ceiling(_deadline.TotalMilliseconds)),
            Height = height,
            Kind = kind,
        };
    }

    private enum Step
    {
        Offered,
        Revealed,
        Answered,
        Done,
    }

    public PeerId Validator { get; }

    public PeerId Node { get; }

    public ChallengeShape Shape { get; }

    public ulong Height { get; }

    /// <summary>Hardware for the hardware challenge, Latency for the latency probe's tiny inference.</summary>
    public CheckKind Kind { get; }

    public ChallengeOffer Offer { get; }

    /// <summary>How long after the reveal the result may come.</summary>
    public TimeSpan Deadline => _deadline;

    public ChallengeOutcome? Outcome { get; private set; }

    /// <summary>
    /// The largest relative L2 error of an opened row that passes: 8 × sqrt(depth) × 2^-11, eight times what rounding
    /// every product's operands to 10 mantissa bits (TF32 or FP16 tensor cores, ONNX Runtime's GPU defaults) gives over
    /// the chain, so that CPU and GPU answers pass alike, while a wrong row is off by about 1.4 (unrelated vectors of the
    /// same norm) and a row computed with one layer skipped or changed is off by about 1.4 too.
    /// </summary>
    public double Tolerance => 8 * Math.Sqrt(Shape.Depth) / 2048;

    /// <summary>Starts a challenge for <paramref name="node"/>, sized for its claim by <paramref name="policy"/>.</summary>
    /// <param name="networkAllowance">Time the network adds to the measured run (the validator's measured round trip to the node).</param>
    public static HardwareChallenge Create(PeerId validator, PeerId node, ulong claimedMflops, bool gpu, ChallengePolicy policy, ulong height,
        TimeSpan networkAllowance, TimeProvider time) =>
        new(validator, node, policy.ShapeFor(claimedMflops, gpu), claimedMflops, policy, height, networkAllowance, time);

    /// <summary>Starts a challenge with an explicit shape (tests, benchmarks).</summary>
    public static HardwareChallenge Create(PeerId validator, PeerId node, ChallengeShape shape, ulong claimedMflops, ChallengePolicy policy, ulong height,
        TimeSpan networkAllowance, TimeProvider time)
    {
        if (shape.Problem() is { } problem) throw new ArgumentException(problem, nameof(shape));
        return new HardwareChallenge(validator, node, shape, claimedMflops, policy, height, networkAllowance, time);
    }

    /// <summary>
    /// The latency probe's tiny inference: a one-row, width-8, one-layer model the node runs on its real path and signs
    /// for (a LATENCY statement), judged for correctness only, within <paramref name="deadline"/>.
    /// </summary>
    public static HardwareChallenge CreateProbe(PeerId validator, PeerId node, ulong height, TimeSpan deadline, TimeProvider time) =>
        new(validator, node, ProbeShape, 1, ProbePolicy, height, TimeSpan.Zero, time, CheckKind.Latency, deadline);

    /// <summary>The probe's model: one row through one 8 × 8 product.</summary>
    public static ChallengeShape ProbeShape { get; } = new(1, ChallengeShape.MinWidth, 1, 1);

    private static readonly ChallengePolicy ProbePolicy = new() { MinThroughputPermille = 0, OpenedRows = 1 };

    /// <summary>The node accepted with its nonce: reveal the seed, and start the clock.</summary>
    public ChallengeReveal? Reveal(ChallengeAccept accept)
    {
        Expect(Step.Offered);
        if (accept.NodeNonce.Length != ChallengeSeeds.NonceSize)
            return End<ChallengeReveal>(ChallengeVerdict.BadAnswer, $"the node nonce has {accept.NodeNonce.Length} bytes, not {ChallengeSeeds.NonceSize}");
        _nodeNonce = accept.NodeNonce.ToByteArray();
        _step = Step.Revealed;
        _revealedAt = _time.GetTimestamp();
        return new ChallengeReveal { Seed = ByteString.CopyFrom(_seed) };
    }

    /// <summary>The node's output root: stop the clock, and pick the rows to open (null and an outcome when too late or malformed).</summary>
    public ChallengeOpen? ReceiveResult(ChallengeResult result)
    {
        Expect(Step.Revealed);
        _elapsed = _time.GetElapsedTime(_revealedAt);
        if (_elapsed > _deadline)
            return End<ChallengeOpen>(ChallengeVerdict.TooSlow, $"the result came after {_elapsed.TotalMilliseconds:0} ms, the deadline was {_deadline.TotalMilliseconds:0} ms");
        if (result.OutputRoot.Length != 32) return End<ChallengeOpen>(ChallengeVerdict.BadAnswer, "the output root is not 32 bytes");
        _result = result;
        _step = Step.Answered;
        var picked = new HashSet<uint>();
        while (picked.Count < _openedRows) picked.Add((uint)RandomNumberGenerator.GetInt32(Shape.Rows));
        _rows = [.. picked.Order()];
        var open = new ChallengeOpen();
        open.Rows.AddRange(_rows);
        return open;
    }

    /// <summary>The opened rows: checks proofs, the transcript signature and the values, and ends the challenge.</summary>
    public ChallengeOutcome Finish(ChallengeOpening opening)
    {
        Expect(Step.Answered);
        var transcript = BuildTranscript();
        var signature = opening.TranscriptSignature.ToByteArray();
        if (!ChallengeTranscripts.Verify(Node, transcript, signature))
            return EndWith(ChallengeVerdict.BadAnswer, "the transcript signature is not the node's", null, null);
        if (opening.Rows.Count != _rows.Length) return EndWith(ChallengeVerdict.BadAnswer, $"{opening.Rows.Count} rows opened, {_rows.Length} asked", transcript, signature);
        var model = new ChallengeModel(ChallengeSeeds.DeriveModelSeed(_seed, _nodeNonce, Validator, Node, Shape, Height), Shape);
        var root = _result!.OutputRoot.Span;
        var rowBytes = Shape.Width * sizeof(float);
        var worst = 0.0;
        for (var i = 0; i < _rows.Length; i++)
        {
            var row = opening.Rows[i];
            if (row.Row != _rows[i]) return EndWith(ChallengeVerdict.BadAnswer, $"row {row.Row} opened where {_rows[i]} was asked", transcript, signature);
            if (row.Values.Length != rowBytes) return EndWith(ChallengeVerdict.BadAnswer, $"row {row.Row} has {row.Values.Length} bytes, not {rowBytes}", transcript, signature);
            var proof = row.Proof.Select(p => p.ToByteArray()).ToList();
            if (!MerkleTree.Verify(root, (int)row.Row, Shape.Rows, MerkleTree.LeafHash(row.Values.Span), proof))
                return EndWith(ChallengeVerdict.BadAnswer, $"row {row.Row} is not the one committed to", transcript, signature);
            var error = RelativeError(MemoryMarshal.Cast<byte, float>(row.Values.Span), model.ReferenceRow((int)row.Row));
            worst = Math.Max(worst, error);
            if (!(error <= Tolerance))
                return EndWith(ChallengeVerdict.WrongOutput, $"row {row.Row} is off by {error:G3} (relative L2), the tolerance is {Tolerance:G3}", transcript, signature);
        }
        var (mflops, permille) = Throughput();
        if (permille < _minThroughputPermille)
            return EndWith(ChallengeVerdict.TooSlow, $"measured {mflops} MFLOPS in {_elapsed.TotalMilliseconds:0} ms, {permille}‰ of the claimed {_claimedMflops}", transcript, signature);
        return EndWith(ChallengeVerdict.Passed, $"{_rows.Length} rows within {worst:G3} (tolerance {Tolerance:G3}); {mflops} MFLOPS, {permille}‰ of the claim", transcript, signature);
    }

    /// <summary>Ends the challenge because the node stopped answering (timed out, refused, closed the stream).</summary>
    public ChallengeOutcome Abandon(string reason)
    {
        if (Outcome is { } done) return done;
        var verdict = _step == Step.Revealed && _time.GetElapsedTime(_revealedAt) > _deadline ? ChallengeVerdict.TooSlow : ChallengeVerdict.Unanswered;
        return EndWith(verdict, reason, null, null);
    }

    /// <summary>Relative L2 distance of the node's row from the reference: ||node - reference|| / ||reference||.</summary>
    public static double RelativeError(ReadOnlySpan<float> node, ReadOnlySpan<double> reference)
    {
        double difference = 0, norm = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            var d = node[i] - reference[i];
            difference += d * d;
            norm += reference[i] * reference[i];
        }
        return norm > 0 ? Math.Sqrt(difference / norm) : double.PositiveInfinity;
    }

    private (ulong Mflops, uint Permille) Throughput()
    {
        var seconds = Math.Max((_elapsed - _networkAllowance).TotalSeconds, 1e-6);
        var measured = Shape.Operations / seconds / 1e6;
        var mflops = (ulong)Math.Min(measured, ulong.MaxValue / 2);
        var permille = (uint)Math.Min(10_000, measured * 1000 / Math.Max(_claimedMflops, 1UL));
        return (mflops, permille);
    }

    private ChallengeTranscript BuildTranscript()
    {
        var transcript = new ChallengeTranscript
        {
            Validator = ByteString.CopyFrom(Validator.Bytes.Span),
            Node = ByteString.CopyFrom(Node.Bytes.Span),
            Commitment = Offer.Commitment,
            Seed = ByteString.CopyFrom(_seed),
            NodeNonce = ByteString.CopyFrom(_nodeNonce),
            Shape = Offer.Shape,
            Height = Height,
            Kind = Kind,
            OutputRoot = _result!.OutputRoot,
            ComputeMicros = _result.ComputeMicros,
        };
        transcript.OpenedRows.AddRange(_rows);
        return transcript;
    }

    private T? End<T>(ChallengeVerdict verdict, string detail) where T : class
    {
        EndWith(verdict, detail, null, null);
        return null;
    }

    private ChallengeOutcome EndWith(ChallengeVerdict verdict, string detail, ChallengeTranscript? transcript, byte[]? signature)
    {
        var (mflops, permille) = _step == Step.Answered ? Throughput() : (0UL, 0U);
        _step = Step.Done;
        Outcome = new ChallengeOutcome(verdict, detail, _elapsed, mflops, permille, transcript, signature);
        return Outcome;
    }

    private void Expect(Step step)
    {
        if (_step != step) throw new InvalidOperationException($"the challenge is {_step}, not {step}");
    }
}
