using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Consensus;

/// <summary>
/// Proof that a value was decided at a height: the precommits for its id in one round from more than 2/3 of the
/// voting power. Encoded as the protobuf <c>Commit</c>; check it with <see cref="CommitVerifier"/>.
/// </summary>
public sealed class Commit
{
    /// <summary>Bounds decoding work for hostile input; far above any realistic validator count.</summary>
    public const int MaxSignatures = 10_000;

    private static readonly MessageParser<Proto.Commit> DiscardingParser = Proto.Commit.Parser.WithDiscardUnknownFields(true);

    private readonly byte[] _valueId;

    public Commit(long height, int round, ReadOnlySpan<byte> valueId, IReadOnlyList<CommitSignature> signatures)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        if (height < 1) throw new FormatException($"commit height {height} is not positive");
        if (round < 0) throw new FormatException($"commit round {round} is negative");
        if (valueId.Length != ConsensusLimits.ValueIdLength)
            throw new FormatException($"commit value id has {valueId.Length} bytes, expected {ConsensusLimits.ValueIdLength}");
        if (signatures.Count > MaxSignatures) throw new FormatException($"commit has more than {MaxSignatures} signatures");
        Height = height;
        Round = round;
        _valueId = valueId.ToArray();
        Signatures = signatures;
    }

    public long Height { get; }

    public int Round { get; }

    public ReadOnlyMemory<byte> ValueId => _valueId;

    public IReadOnlyList<CommitSignature> Signatures { get; }

    public byte[] ToBytes() => ToProto().ToByteArray();

    /// <exception cref="FormatException">Not a well-formed commit, or not its canonical encoding (blocks hash commit bytes).</exception>
    public static Commit FromBytes(ReadOnlySpan<byte> bytes)
    {
        Proto.Commit proto;
        try
        {
            proto = DiscardingParser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"commit is not a valid protobuf: {e.Message}", e);
        }
        var commit = FromProto(proto);
        if (!bytes.SequenceEqual(commit.ToBytes()))
            throw new FormatException("commit is not canonically encoded (unknown, repeated or out-of-order fields, or padded numbers)");
        return commit;
    }

    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, out Commit? commit, out string? error)
    {
        try
        {
            commit = FromBytes(bytes);
            error = null;
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            commit = null;
            error = e.Message;
            return false;
        }
    }

    internal Proto.Commit ToProto()
    {
        var proto = new Proto.Commit { Height = Height, Round = Round, ValueId = ByteString.CopyFrom(_valueId) };
        foreach (var s in Signatures)
            proto.Signatures.Add(new Proto.CommitSignature
            {
                Validator = ByteString.CopyFrom(s.Validator.Bytes.Span),
                Signature = ByteString.CopyFrom(s.Signature.Span),
            });
        return proto;
    }

    internal static Commit FromProto(Proto.Commit proto)
    {
        if (proto.Signatures.Count > MaxSignatures) throw new FormatException($"commit has more than {MaxSignatures} signatures");
        var signatures = new CommitSignature[proto.Signatures.Count];
        for (var i = 0; i < signatures.Length; i++)
        {
            var s = proto.Signatures[i];
            if (s.Signature.Length is 0 or > ConsensusLimits.MaxSignatureLength)
                throw new FormatException($"commit signature {i} has {s.Signature.Length} bytes");
            signatures[i] = new CommitSignature(PeerId.FromBytes(s.Validator.Span), s.Signature.ToByteArray());
        }
        return new Commit(proto.Height, proto.Round, proto.ValueId.Span, signatures);
    }
}
