using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Consensus;

/// <summary>A prevote or precommit for a value id (empty = nil) at one height and round, signed by a validator.</summary>
public sealed class SignedVote : ConsensusMessage
{
    private readonly byte[] _valueId;
    private readonly byte[] _signature;

    public SignedVote(VoteType type, long height, int round, ReadOnlySpan<byte> valueId, PeerId validator, ReadOnlySpan<byte> signature)
    {
        if (type is not (VoteType.Prevote or VoteType.Precommit))
            throw new FormatException($"unknown vote type {(int)type}");
        if (height < 1) throw new FormatException($"vote height {height} is not positive");
        if (round < 0) throw new FormatException($"vote round {round} is negative");
        if (!valueId.IsEmpty && valueId.Length != ConsensusLimits.ValueIdLength)
            throw new FormatException($"vote value id has {valueId.Length} bytes, expected {ConsensusLimits.ValueIdLength} or none (nil)");
        if (signature.Length is 0 or > ConsensusLimits.MaxSignatureLength)
            throw new FormatException($"vote signature has {signature.Length} bytes");
        Type = type;
        Height = height;
        Round = round;
        _valueId = valueId.ToArray();
        Validator = validator;
        _signature = signature.ToArray();
    }

    public VoteType Type { get; }

    public override long Height { get; }

    public int Round { get; }

    public override long Size => 64 + Validator.Bytes.Length + _valueId.Length + _signature.Length;

    /// <summary>The id of the value voted for; empty for a nil vote.</summary>
    public ReadOnlyMemory<byte> ValueId => _valueId;

    public bool IsNil => _valueId.Length == 0;

    public PeerId Validator { get; }

    public ReadOnlyMemory<byte> Signature => _signature;

    public static SignedVote Sign(PrivateKey key, string chainId, VoteType type, long height, int round, ReadOnlySpan<byte> valueId)
    {
        var signature = key.Sign(SignBytes.ForVote(chainId, type, height, round, valueId));
        return new SignedVote(type, height, round, valueId, key.PeerId, signature);
    }

    public byte[] GetSignBytes(string chainId) => SignBytes.ForVote(chainId, Type, Height, Round, _valueId);

    public bool VerifySignature(string chainId, PublicKey key) => key.VerifyStrict(GetSignBytes(chainId), _signature);

    /// <summary>True when both votes say the same thing (signature bytes may differ: ECDSA signatures are malleable).</summary>
    public bool SameContent(SignedVote other) =>
        Type == other.Type && Height == other.Height && Round == other.Round && Validator == other.Validator
        && _valueId.AsSpan().SequenceEqual(other._valueId);

    public override string ToString() =>
        $"{Type} h={Height} r={Round} {(IsNil ? "nil" : Convert.ToHexStringLower(_valueId.AsSpan(0, 4)))} by {Validator}";

    internal Proto.Vote ToProto() => new()
    {
        Type = (Proto.SignedMessageType)Type,
        Height = Height,
        Round = Round,
        ValueId = ByteString.CopyFrom(_valueId),
        Validator = ByteString.CopyFrom(Validator.Bytes.Span),
        Signature = ByteString.CopyFrom(_signature),
    };

    /// <exception cref="FormatException">The message is malformed.</exception>
    internal static SignedVote FromProto(Proto.Vote vote) =>
        new((VoteType)vote.Type, vote.Height, vote.Round, vote.ValueId.Span, PeerId.FromBytes(vote.Validator.Span), vote.Signature.Span);
}
