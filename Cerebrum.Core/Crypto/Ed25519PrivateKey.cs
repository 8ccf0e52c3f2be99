using NSec.Cryptography;

namespace Cerebrum.Core.Crypto;

/// <summary>Ed25519 identity key, used for throwaway identities (CLI commands, benchmarks).</summary>
public sealed class Ed25519PrivateKey : PrivateKey
{
    private readonly Key _key;

    private Ed25519PrivateKey(Key key)
    {
        _key = key;
        PublicKey = new Ed25519PublicKey(key.PublicKey);
    }

    public override KeyType Type => KeyType.Ed25519;

    public override PublicKey PublicKey { get; }

    public static Ed25519PrivateKey Generate() => new(Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>Accepts a 32-byte seed, or libp2p's 64-byte seed||public form (the public half must match).</summary>
    public static Ed25519PrivateKey FromBytes(ReadOnlySpan<byte> data)
    {
        if (data.Length != 32 && data.Length != 64)
            throw new FormatException("invalid Ed25519 private key (expected 32 or 64 bytes)");
        var key = Key.Import(SignatureAlgorithm.Ed25519, data[..32], KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var result = new Ed25519PrivateKey(key);
        if (data.Length == 64 && !data[32..].SequenceEqual(result.PublicKey.Raw.Span))
        {
            result.Dispose();
            throw new FormatException("Ed25519 private key's public half does not match its seed");
        }
        return result;
    }

    public override byte[] Sign(ReadOnlySpan<byte> data) => SignatureAlgorithm.Ed25519.Sign(_key, data);

    public override byte[] ExportRaw()
    {
        var seed = _key.Export(KeyBlobFormat.RawPrivateKey);
        return [.. seed, .. PublicKey.Raw.Span];
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _key.Dispose();
        base.Dispose(disposing);
    }
}
