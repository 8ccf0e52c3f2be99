using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Consensus;

/// <summary>The paper's ⟨PROPOSAL, h, round, v, validRound⟩: a value proposed by the round's proposer, signed.</summary>
public sealed class SignedProposal : ConsensusMessage
{
    private readonly byte[] _value;
    private readonly byte[] _valueId;
    private readonly byte[] _signature;

    public SignedProposal(long height, int round, int validRound, ReadOnlySpan<byte> value, ReadOnlySpan<byte> valueId, PeerId proposer,
        ReadOnlySpan<byte> signature)
    {
        if (height < 1) throw new FormatException($"proposal height {height} is not positive");
        if (round < 0) throw new FormatException($"proposal round {round} is negative");
        if (validRound < -1 || validRound >= round)
            throw new FormatException($"proposal valid round {validRound} is not in [-1, round {round})");
        if (valueId.Length != ConsensusLimits.ValueIdLength)
            throw new FormatException($"proposal value id has {valueId.Length} bytes, expected {ConsensusLimits.ValueIdLength}");
        if (signature.Length is 0 or > ConsensusLimits.MaxSignatureLength)
            throw new FormatException($"proposal signature has {signature.Length} bytes");
        Height = height;
        Round = round;
        ValidRound = validRound;
        _value = value.ToArray();
        _valueId = valueId.ToArray();
        Proposer = proposer;
        _signature = signature.ToArray();
    }

    public override long Height { get; }

    public int Round { get; }

    public override long Size => 64 + Proposer.Bytes.Length + _value.Length + _valueId.Length + _signature.Length;

    /// <summary>The proposer's validRound: the round of the polka that made this value valid, or -1.</summary>
    public int ValidRound { get; }

    /// <summary>The opaque payload (e.g. a block).</summary>
    public ReadOnlyMemory<byte> Value => _value;

    /// <summary>The application's id of <see cref="Value"/>; receivers recompute it before trusting it.</summary>
    public ReadOnlyMemory<byte> ValueId => _valueId;

    public PeerId Proposer { get; }

    public ReadOnlyMemory<byte> Signature => _signature;

    public static SignedProposal Sign(PrivateKey key, string chainId, long height, int round, int validRound, ReadOnlySpan<byte> value,
        ReadOnlySpan<byte> valueId)
    {
        var signature = key.Sign(SignBytes.ForProposal(chainId, height, round, validRound, valueId));
        return new SignedProposal(height, round, validRound, value, valueId, key.PeerId, signature);
    }

    public byte[] GetSignBytes(string chainId) => SignBytes.ForProposal(chainId, Height, Round, ValidRound, _valueId);

    public bool VerifySignature(string chainId, PublicKey key) => key.VerifyStrict(GetSignBytes(chainId), _signature);

    public override string ToString() =>
        $"Proposal h={Height} r={Round} vr={ValidRound} {Convert.ToHexStringLower(_valueId.AsSpan(0, 4))} by {Proposer}";

    internal Proto.Proposal ToProto() => new()
    {
        Height = Height,
        Round = Round,
        PolRound = ValidRound,
        Value = ByteString.CopyFrom(_value),
        ValueId = ByteString.CopyFrom(_valueId),
        Proposer = ByteString.CopyFrom(Proposer.Bytes.Span),
        Signature = ByteString.CopyFrom(_signature),
    };

    /// <exception cref="FormatException">The message is malformed.</exception>
    internal static SignedProposal FromProto(Proto.Proposal p) =>
        new(p.Height, p.Round, p.PolRound, p.Value.Span, p.ValueId.Span, PeerId.FromBytes(p.Proposer.Span), p.Signature.Span);
}
