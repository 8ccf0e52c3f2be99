using System.Security.Cryptography;
using NBitcoin.Secp256k1;

namespace Cerebrum.Core.Crypto;

/// <summary>secp256k1 public key: 33-byte compressed point; signatures are DER ECDSA over SHA-256 of the message.</summary>
public sealed class Secp256k1PublicKey : PublicKey
{
    private readonly ECPubKey _key;
    private readonly byte[] _compressed;

    private Secp256k1PublicKey(ECPubKey key)
    {
        _key = key;
        _compressed = key.ToBytes(compressed: true);
    }

    internal Secp256k1PublicKey(ECPubKey key, bool _) : this(key) { }

    public override KeyType Type => KeyType.Secp256k1;

    public override ReadOnlyMemory<byte> Raw => _compressed;

    public static Secp256k1PublicKey FromBytes(ReadOnlySpan<byte> data)
    {
        if (!ECPubKey.TryCreate(data, Context.Instance, out _, out var key) || key is null)
            throw new FormatException("invalid secp256k1 public key");
        return new Secp256k1PublicKey(key);
    }

    public override bool VerifyStrict(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        EcdsaSignatureEncoding.IsStrictLowS(signature) && Verify(data, signature);

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (NativeSecp256k1.IsAvailable)
        {
            Span<byte> digest = stackalloc byte[32];
            System.Security.Cryptography.SHA256.HashData(data, digest);
            if (NativeSecp256k1.VerifyDer(signature, digest, _compressed) is { } verified)
                return verified;
            // Not strict DER: the managed parser below accepts the lax forms.
        }
        if (!SecpECDSASignature.TryCreateFromDer(signature, out var sig) || sig is null)
            return false;
        // Other implementations may emit high-S signatures; the handshake does not care about malleability,
        // so normalize before verifying instead of rejecting them.
        sig.TryNormalize(out var normalized);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(data, hash);
        return _key.SigVerify(normalized ?? sig, hash);
    }
}
