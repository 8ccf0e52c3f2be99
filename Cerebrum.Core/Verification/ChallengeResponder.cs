using System.Security.Cryptography;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Verification.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Verification;

/// <summary>
/// One hardware challenge from the node's side: accepts an offer within its limits with a fresh nonce, checks the
/// revealed seed against the commitment (a validator cannot swap seeds after seeing the nonce), runs the model the
/// seed, the nonce and both peer IDs generate, and opens the rows asked for with its signature over the transcript.
/// </summary>
public sealed class ChallengeResponder
{
    private readonly PrivateKey _identity;
    private readonly PeerId _validator;
    private readonly ChallengeLimits _limits;
    private ChallengeOffer? _offer;
    private ChallengeShape? _shape;
    private byte[]? _nonce;
    private byte[]? _seed;
    private ChallengeSolution? _solution;

    public ChallengeResponder(PrivateKey identity, PeerId validator, ChallengeLimits limits)
    {
        _identity = identity;
        _validator = validator;
        _limits = limits;
    }

    /// <exception cref="ChallengeRefusedException">Malformed, or beyond this node's limits.</exception>
    public ChallengeAccept Accept(ChallengeOffer offer)
    {
        if (_offer is not null) throw new InvalidOperationException("this responder already accepted an offer");
        if (offer.Commitment.Length != 32) throw new ChallengeRefusedException("the commitment is not 32 bytes");
        if (offer.Kind is not (CheckKind.Hardware or CheckKind.Latency)) throw new ChallengeRefusedException($"a challenge is a hardware check or a latency probe, not {offer.Kind}");
        ChallengeShape shape;
        try
        {
            shape = ChallengeShape.FromMessage(offer.Shape);
        }
        catch (FormatException e)
        {
            throw new ChallengeRefusedException(e.Message);
        }
        if (shape.Operations > _limits.MaxOperations)
            throw new ChallengeRefusedException($"the challenge needs {shape.Operations:G3} operations, this node takes at most {_limits.MaxOperations:G3}");
        if (shape.OutputBytes > _limits.MaxOutputBytes)
            throw new ChallengeRefusedException($"the challenge output takes {shape.OutputBytes} bytes, this node holds at most {_limits.MaxOutputBytes}");
        _offer = offer;
        _shape = shape;
        _nonce = RandomNumberGenerator.GetBytes(ChallengeSeeds.NonceSize);
        return new ChallengeAccept { NodeNonce = ByteString.CopyFrom(_nonce) };
    }

    /// <summary>Checks the seed and runs the model on <paramref name="device"/>.</summary>
    /// <exception cref="ChallengeRefusedException">The seed does not match the commitment.</exception>
    public ChallengeResult Solve(ChallengeReveal reveal, ChallengeDevice device, CancellationToken ct = default)
    {
        if (_offer is null || _solution is not null) throw new InvalidOperationException("solve follows accept, once");
        if (reveal.Seed.Length != ChallengeSeeds.SeedSize || !ChallengeSeeds.Commit(reveal.Seed.Span).AsSpan().SequenceEqual(_offer.Commitment.Span))
            throw new ChallengeRefusedException("the revealed seed does not match the commitment");
        _seed = reveal.Seed.ToByteArray();
        var model = new ChallengeModel(ChallengeSeeds.DeriveModelSeed(_seed, _nonce, _validator, _identity.PeerId, _shape!, _offer.Height), _shape!);
        _solution = ChallengeSolution.Run(model, device, ct);
        return new ChallengeResult { OutputRoot = ByteString.CopyFrom(_solution.OutputRoot), ComputeMicros = (ulong)(_solution.ComputeTime.Ticks / 10) };
    }

    /// <summary>The asked rows with their proofs, and the signed transcript.</summary>
    /// <exception cref="ChallengeRefusedException">Too many rows, a row twice or out of range.</exception>
    public ChallengeOpening Open(ChallengeOpen open)
    {
        if (_solution is null) throw new InvalidOperationException("open follows solve");
        if (open.Rows.Count is 0 or > HardwareChallenge.MaxOpenedRows) throw new ChallengeRefusedException($"1..{HardwareChallenge.MaxOpenedRows} rows may be opened, not {open.Rows.Count}");
        if (open.Rows.Any(r => r >= _shape!.Rows) || open.Rows.Distinct().Count() != open.Rows.Count)
            throw new ChallengeRefusedException("the rows to open must be distinct rows of the output");
        var transcript = new ChallengeTranscript
        {
            Validator = ByteString.CopyFrom(_validator.Bytes.Span),
            Node = ByteString.CopyFrom(_identity.PeerId.Bytes.Span),
            Commitment = _offer!.Commitment,
            Seed = ByteString.CopyFrom(_seed),
            NodeNonce = ByteString.CopyFrom(_nonce),
            Shape = _offer.Shape,
            Height = _offer.Height,
            Kind = _offer.Kind,
            OutputRoot = ByteString.CopyFrom(_solution.OutputRoot),
            ComputeMicros = (ulong)(_solution.ComputeTime.Ticks / 10),
        };
        transcript.OpenedRows.AddRange(open.Rows);
        var opening = new ChallengeOpening { TranscriptSignature = ByteString.CopyFrom(ChallengeTranscripts.Sign(_identity, transcript)) };
        opening.Rows.AddRange(open.Rows.Select(r => _solution.Open((int)r)));
        return opening;
    }
}
