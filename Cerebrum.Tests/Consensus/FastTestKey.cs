using System.Security.Cryptography;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Consensus;

/// <summary>
/// A test-only key whose "signature" is SHA-256(public key || data): thousands of times cheaper than secp256k1, so
/// the 200-seed simulation stays fast. Not secure (anyone can compute it); unit and driver tests use real keys.
/// Binding the signature to the signed bytes and the key still makes every signature check meaningful.
/// </summary>
internal sealed class FastTestKey : PrivateKey
{
    private readonly FastTestPublicKey _public;

    public FastTestKey(int seed) => _public = new FastTestPublicKey(SHA256.HashData(BitConverter.GetBytes(seed)));

    public override KeyType Type => KeyType.Ed25519;

    public override PublicKey PublicKey => _public;

    public override byte[] Sign(ReadOnlySpan<byte> data) => FastTestPublicKey.Mac(_public.Raw.Span, data);

    public override byte[] ExportRaw() => _public.Raw.ToArray();

    private sealed class FastTestPublicKey(byte[] raw) : PublicKey
    {
        public override KeyType Type => KeyType.Ed25519;

        public override ReadOnlyMemory<byte> Raw => raw;

        public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) => Mac(raw, data).AsSpan().SequenceEqual(signature);

        public static byte[] Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
        {
            var buffer = new byte[key.Length + data.Length];
            key.CopyTo(buffer);
            data.CopyTo(buffer.AsSpan(key.Length));
            return SHA256.HashData(buffer);
        }
    }
}
