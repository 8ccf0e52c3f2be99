using NSec.Cryptography;

namespace Cerebrum.Core.Crypto;

/// <summary>Ed25519 public key: 32 raw bytes; pure Ed25519 signatures over the message.</summary>
public sealed class Ed25519PublicKey : PublicKey
{
    private readonly NSec.Cryptography.PublicKey _key;
    private readonly byte[] _raw;

    private Ed25519PublicKey(NSec.Cryptography.PublicKey key, byte[] raw)
    {
        _key = key;
        _raw = raw;
    }

    internal Ed25519PublicKey(NSec.Cryptography.PublicKey key) : this(key, key.Export(KeyBlobFormat.RawPublicKey)) { }

    public override KeyType Type => KeyType.Ed25519;

    public override ReadOnlyMemory<byte> Raw => _raw;

    public static Ed25519PublicKey FromBytes(ReadOnlySpan<byte> data)
    {
        if (data.Length != 32 || !NSec.Cryptography.PublicKey.TryImport(SignatureAlgorithm.Ed25519, data, KeyBlobFormat.RawPublicKey, out var key) || key is null)
            throw new FormatException("invalid Ed25519 public key (expected 32 bytes)");
        return new Ed25519PublicKey(key, data.ToArray());
    }

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        signature.Length == 64 && SignatureAlgorithm.Ed25519.Verify(_key, data, signature);
}
