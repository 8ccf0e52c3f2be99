using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// Noise CipherState for ChaChaPoly: key k and 64-bit counter n, nonce = 4 zero bytes || little-endian n.
/// One instance per direction; the platform AEAD object is created once per key and reused for every frame.
/// Not thread-safe: each direction has a single user.
/// </summary>
internal sealed class CipherState : IDisposable
{
    public const int TagLength = 16;
    public const int KeyLength = 32;

    private ChaCha20Poly1305? _aead;

    public bool HasKey => _aead is not null;

    /// <summary>The next nonce. 2^64-1 is reserved by the spec, so reaching it means the channel is spent.</summary>
    public ulong Nonce { get; internal set; }

    public void InitializeKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyLength)
            throw new ArgumentException($"a ChaChaPoly key is {KeyLength} bytes", nameof(key));
        _aead?.Dispose();
        _aead = new ChaCha20Poly1305(key);
        Nonce = 0;
    }

    /// <summary>
    /// EncryptWithAd: writes ciphertext||tag (plaintext.Length + 16 bytes) to <paramref name="destination"/>, or copies the
    /// plaintext when no key is set yet. <paramref name="destination"/> may start exactly at <paramref name="plaintext"/> (in place).
    /// </summary>
    public int EncryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        if (_aead is null)
        {
            plaintext.CopyTo(destination);
            return plaintext.Length;
        }
        if (Nonce == ulong.MaxValue)
            throw new NoiseTransportException("Noise nonce exhausted: 2^64-1 messages sent on this key; the connection must be closed");
        Span<byte> nonce = stackalloc byte[12];
        WriteNonce(nonce, Nonce);
        _aead.Encrypt(nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, TagLength), ad);
        Nonce++;
        return plaintext.Length + TagLength;
    }

    /// <summary>
    /// DecryptWithAd: verifies and decrypts ciphertext||tag into <paramref name="destination"/> (ciphertext.Length - 16
    /// bytes; may alias the ciphertext start). Throws <see cref="AuthenticationTagMismatchException"/> on a forgery,
    /// leaving the nonce unchanged as the spec requires.
    /// </summary>
    public int DecryptWithAd(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        if (_aead is null)
        {
            ciphertext.CopyTo(destination);
            return ciphertext.Length;
        }
        if (ciphertext.Length < TagLength)
            throw new ArgumentException("ciphertext is shorter than the authentication tag", nameof(ciphertext));
        if (Nonce == ulong.MaxValue)
            throw new NoiseTransportException("Noise nonce exhausted: 2^64-1 messages received on this key; the connection must be closed");
        var length = ciphertext.Length - TagLength;
        Span<byte> nonce = stackalloc byte[12];
        WriteNonce(nonce, Nonce);
        _aead.Decrypt(nonce, ciphertext[..length], ciphertext[length..], destination[..length], ad);
        Nonce++;
        return length;
    }

    private static void WriteNonce(Span<byte> nonce, ulong n)
    {
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], n);
    }

    public void Dispose() => _aead?.Dispose();
}
