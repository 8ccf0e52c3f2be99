using Google.Protobuf;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// Proof that a validator signed two different votes of one type at one height and round (equivocation), for
/// slashing. The votes are ordered by value id, so the same pair always encodes to the same bytes.
/// </summary>
public sealed class DuplicateVoteEvidence
{
    private static readonly MessageParser<Proto.DuplicateVoteEvidence> DiscardingParser = Proto.DuplicateVoteEvidence.Parser.WithDiscardUnknownFields(true);

    public DuplicateVoteEvidence(SignedVote first, SignedVote second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Validator != second.Validator || first.Type != second.Type || first.Height != second.Height || first.Round != second.Round)
            throw new FormatException("duplicate-vote evidence needs two votes of one validator, type, height and round");
        var order = first.ValueId.Span.SequenceCompareTo(second.ValueId.Span);
        if (order == 0) throw new FormatException("duplicate-vote evidence needs two different value ids");
        (VoteA, VoteB) = order < 0 ? (first, second) : (second, first);
    }

    public SignedVote VoteA { get; }

    public SignedVote VoteB { get; }

    public Crypto.PeerId Validator => VoteA.Validator;

    public long Height => VoteA.Height;

    public int Round => VoteA.Round;

    public VoteType Type => VoteA.Type;

    /// <summary>True when the validator belongs to <paramref name="validators"/> and both signatures verify.</summary>
    public bool Verify(string chainId, ValidatorSet validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        var validator = validators.Find(Validator);
        return validator is not null && VoteA.VerifySignature(chainId, validator.PublicKey) && VoteB.VerifySignature(chainId, validator.PublicKey);
    }

    public byte[] ToBytes() => new Proto.DuplicateVoteEvidence { VoteA = VoteA.ToProto(), VoteB = VoteB.ToProto() }.ToByteArray();

    /// <exception cref="FormatException">Not well-formed evidence, or not its canonical encoding.</exception>
    public static DuplicateVoteEvidence FromBytes(ReadOnlySpan<byte> bytes)
    {
        Proto.DuplicateVoteEvidence proto;
        try
        {
            proto = DiscardingParser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"evidence is not a valid protobuf: {e.Message}", e);
        }
        if (proto.VoteA is null || proto.VoteB is null) throw new FormatException("evidence needs two votes");
        var evidence = new DuplicateVoteEvidence(SignedVote.FromProto(proto.VoteA), SignedVote.FromProto(proto.VoteB));
        // One encoding per offence proof: the votes in value-id order, nothing else (it is hashed into blocks and gossiped).
        if (!bytes.SequenceEqual(evidence.ToBytes()))
            throw new FormatException("evidence is not canonically encoded (votes out of order, unknown or repeated fields, padded numbers)");
        return evidence;
    }

    public override string ToString() => $"duplicate {Type} by {Validator} at h={Height} r={Round}";
}
