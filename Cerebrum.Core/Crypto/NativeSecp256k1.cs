using Microsoft.Extensions.Logging;
using Native = Secp256k1Net.Secp256k1;

namespace Cerebrum.Core.Crypto;

/// <summary>
/// The native bitcoin-core libsecp256k1 (bundled by the Secp256k1.Net package for Linux, Windows and macOS) for
/// ECDSA signing and verification: about ten times faster to sign and five times faster to verify than the managed
/// NBitcoin.Secp256k1, and every inference receipt, heartbeat, vote and transaction is signed or verified. Where the
/// native library cannot load, the managed implementation is used instead, with identical results (both sign with
/// RFC 6979 nonces and low S, so signatures are byte-for-byte equal).
/// </summary>
public static class NativeSecp256k1
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    /// <summary>True when the native library loaded and signs correctly.</summary>
    public static bool IsAvailable => Unavailable.Value is null;

    /// <summary>Why the managed fallback is in use, or null when the native library is.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    /// <summary>DER ECDSA signature (low S) of a 32-byte hash.</summary>
    internal static byte[] SignDer(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> secretKey) =>
        Native.SignatureToDer(Native.Sign(hash, secretKey));

    /// <summary>
    /// Verifies a DER signature over a 32-byte hash with a serialized public key; a high-S signature is normalized
    /// first (other implementations may emit one). Returns null when the DER does not parse strictly, so the caller
    /// can retry with the managed parser, which accepts the lax encodings some signers produce.
    /// </summary>
    internal static bool? VerifyDer(ReadOnlySpan<byte> der, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> publicKey)
    {
        // An empty span reaches the library as a null pointer, an API misuse it reports through its illegal-argument
        // callback (which prints, and by libsecp256k1's default aborts the process): never hand it one.
        if (der.IsEmpty)
            return false;
        byte[] compact;
        try
        {
            compact = Native.SignatureFromDer(der);
        }
        catch (ArgumentException)
        {
            return null;
        }
        return Native.Verify(Native.NormalizeSignature(compact), hash, publicKey);
    }

    private static string? Probe()
    {
        try
        {
            // A known key and hash: the signature must verify, or the library is not what we expect.
            Span<byte> secret = stackalloc byte[32];
            secret[31] = 1;
            Span<byte> hash = stackalloc byte[32];
            hash.Fill(0x5a);
            var publicKey = Native.CreatePublicKey(secret, compressed: true);
            var signature = Native.Sign(hash, secret);
            return Native.Verify(signature, hash, publicKey) ? null : "the native libsecp256k1 failed its self-test";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or TypeInitializationException or ArgumentException)
        {
            return $"the native libsecp256k1 did not load ({e.GetType().Name}: {e.Message})";
        }
    }

    /// <summary>Logs once which implementation is in use when it is the slower fallback.</summary>
    public static void LogIfFallback(ILogger logger)
    {
        if (UnavailableReason is { } reason)
            logger.LogWarning("secp256k1: using the managed implementation, about 5-10x slower to sign and verify: {Reason}", reason);
    }
}
