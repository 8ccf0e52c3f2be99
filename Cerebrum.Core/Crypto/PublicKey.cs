using Cerebrum.Core.Multiformats;

namespace Cerebrum.Core.Crypto;

/// <summary>A libp2p public key: verifies signatures and has the spec's deterministic protobuf encoding.</summary>
public abstract class PublicKey : IEquatable<PublicKey>
{
    public abstract KeyType Type { get; }

    /// <summary>The key's own bytes (compressed SEC1 point for secp256k1, 32 raw bytes for Ed25519).</summary>
    public abstract ReadOnlyMemory<byte> Raw { get; }

    public abstract bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);

    /// <summary>
    /// <see cref="Verify"/>, accepting only the one canonical encoding of a signature, so that no third party can
    /// change a signed message's bytes (for secp256k1: strict DER and low S, <see cref="EcdsaSignatureEncoding"/>).
    /// Whatever the ledger and consensus hash or store is checked with this; network handshakes use <see cref="Verify"/>.
    /// </summary>
    public virtual bool VerifyStrict(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => Verify(data, signature);

    /// <summary>The protobuf <c>PublicKey { Type = 1; Data = 2; }</c> exactly as the peer-ids spec requires.</summary>
    public byte[] ToProtobuf() => KeyEncoding.Encode(Type, Raw.Span);

    public PeerId ToPeerId() => PeerId.FromPublicKey(this);

    /// <summary>Parses the protobuf encoding, rejecting unsupported key types and malformed keys.</summary>
    public static PublicKey FromProtobuf(ReadOnlySpan<byte> encoded)
    {
        var type = KeyEncoding.Decode(encoded, out var data);
        return FromRaw(type, data);
    }

    public static PublicKey FromRaw(KeyType type, ReadOnlySpan<byte> data) => type switch
    {
        KeyType.Secp256k1 => Secp256k1PublicKey.FromBytes(data),
        KeyType.Ed25519 => Ed25519PublicKey.FromBytes(data),
        _ => throw new NotSupportedException($"{type} public keys are not supported (only Ed25519 and secp256k1)"),
    };

    public bool Equals(PublicKey? other) =>
        other is not null && other.Type == Type && other.Raw.Span.SequenceEqual(Raw.Span);

    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.AddBytes(Raw.Span);
        return hash.ToHashCode();
    }

    public override string ToString() => $"{Type}:{Convert.ToHexStringLower(Raw.Span)}";
}
