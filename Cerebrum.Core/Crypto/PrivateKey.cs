namespace Cerebrum.Core.Crypto;

/// <summary>A libp2p identity key that can sign.</summary>
public abstract class PrivateKey : IDisposable
{
    public abstract KeyType Type { get; }

    public abstract PublicKey PublicKey { get; }

    public PeerId PeerId => field ??= PeerId.FromPublicKey(PublicKey);

    public abstract byte[] Sign(ReadOnlySpan<byte> data);

    /// <summary>The protobuf <c>PrivateKey { Type = 1; Data = 2; }</c> (raw 32-byte scalar for secp256k1, 64-byte seed||public for Ed25519, as libp2p stores them).</summary>
    public byte[] ToProtobuf() => KeyEncoding.Encode(Type, ExportRaw());

    /// <summary>The private key bytes in libp2p's raw form.</summary>
    public abstract byte[] ExportRaw();

    public static PrivateKey FromProtobuf(ReadOnlySpan<byte> encoded)
    {
        var type = KeyEncoding.Decode(encoded, out var data);
        return type switch
        {
            KeyType.Secp256k1 => Secp256k1PrivateKey.FromBytes(data),
            KeyType.Ed25519 => Ed25519PrivateKey.FromBytes(data),
            _ => throw new NotSupportedException($"{type} private keys are not supported (only Ed25519 and secp256k1)"),
        };
    }

    public static PrivateKey Generate(KeyType type) => type switch
    {
        KeyType.Secp256k1 => Secp256k1PrivateKey.Generate(),
        KeyType.Ed25519 => Ed25519PrivateKey.Generate(),
        _ => throw new NotSupportedException($"cannot generate {type} keys"),
    };

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
