using System.Security.Cryptography;
using NBitcoin.Secp256k1;

namespace Cerebrum.Core.Crypto;

/// <summary>secp256k1 identity key (the daemon's key type). Signs SHA-256(message) with RFC 6979, low-S, DER.</summary>
public sealed class Secp256k1PrivateKey : PrivateKey
{
    private readonly ECPrivKey _key;
    private readonly byte[] _secret = new byte[32]; // the scalar again, for the native signer

    private Secp256k1PrivateKey(ECPrivKey key)
    {
        _key = key;
        key.WriteToSpan(_secret);
        PublicKey = new Secp256k1PublicKey(key.CreatePubKey(), true);
    }

    public override KeyType Type => KeyType.Secp256k1;

    public override PublicKey PublicKey { get; }

    public static Secp256k1PrivateKey Generate()
    {
        Span<byte> scalar = stackalloc byte[32];
        while (true)
        {
            RandomNumberGenerator.Fill(scalar);
            if (ECPrivKey.TryCreate(scalar, Context.Instance, out var key) && key is not null)
            {
                CryptographicOperations.ZeroMemory(scalar);
                return new Secp256k1PrivateKey(key);
            }
        }
    }

    public static Secp256k1PrivateKey FromBytes(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length != 32 || !ECPrivKey.TryCreate(scalar, Context.Instance, out var key) || key is null)
            throw new FormatException("invalid secp256k1 private key (expected a 32-byte scalar in range)");
        return new Secp256k1PrivateKey(key);
    }

    public override byte[] Sign(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(data, hash);
        if (NativeSecp256k1.IsAvailable)
            return NativeSecp256k1.SignDer(hash, _secret);
        // RFC 6979 signing in libsecp256k1 always yields a normalized (low-S) signature.
        var sig = _key.SignECDSARFC6979(hash);
        Span<byte> der = stackalloc byte[72];
        sig.WriteDerToSpan(der, out var length);
        return der[..length].ToArray();
    }

    public override byte[] ExportRaw()
    {
        var bytes = new byte[32];
        _key.WriteToSpan(bytes);
        return bytes;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _key.Dispose();
            CryptographicOperations.ZeroMemory(_secret);
        }
        base.Dispose(disposing);
    }
}
