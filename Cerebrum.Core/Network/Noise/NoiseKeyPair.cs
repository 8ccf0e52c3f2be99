using NSec.Cryptography;

namespace Cerebrum.Core.Network.Noise;

/// <summary>An X25519 key pair for the Noise DH operations (static or ephemeral); never a libp2p identity key.</summary>
public sealed class NoiseKeyPair : IDisposable
{
    public const int KeyLength = 32;

    private readonly Key _key;
    private readonly byte[] _publicKey;
    private readonly bool _ownsKey;

    private NoiseKeyPair(Key key)
        : this(key, key.PublicKey.Export(KeyBlobFormat.RawPublicKey), ownsKey: true)
    {
    }

    private NoiseKeyPair(Key key, byte[] publicKey, bool ownsKey)
    {
        _key = key;
        _publicKey = publicKey;
        _ownsKey = ownsKey;
    }

    /// <summary>The 32-byte RFC 7748 public key, as sent in handshake messages and signed in the libp2p payload.</summary>
    public ReadOnlyMemory<byte> PublicKey => _publicKey;

    public static NoiseKeyPair Generate() => new(Key.Create(KeyAgreementAlgorithm.X25519));

    /// <summary>Imports a fixed 32-byte private scalar (clamped by X25519 itself); meant for tests and known-answer vectors.</summary>
    public static NoiseKeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != KeyLength)
            throw new ArgumentException($"an X25519 private key is {KeyLength} bytes, got {privateKey.Length}", nameof(privateKey));
        return new NoiseKeyPair(Key.Import(KeyAgreementAlgorithm.X25519, privateKey, KeyBlobFormat.RawPrivateKey));
    }

    /// <summary>DH(this, remote) into <paramref name="output"/>; rejects malformed and low-order remote keys (all-zero result).</summary>
    internal void Agree(ReadOnlySpan<byte> remotePublicKey, Span<byte> output)
    {
        if (remotePublicKey.Length != KeyLength
            || !NSec.Cryptography.PublicKey.TryImport(KeyAgreementAlgorithm.X25519, remotePublicKey, KeyBlobFormat.RawPublicKey, out var remote)
            || remote is null)
            throw new NoiseHandshakeException("remote X25519 public key is malformed");
        // The private key stays non-exportable; only the DH output is exported, straight into MixKey.
        using var secret = KeyAgreementAlgorithm.X25519.Agree(_key, remote, new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport })
            ?? throw new NoiseHandshakeException("remote X25519 public key is invalid (low-order point)");
        var raw = secret.Export(SharedSecretBlobFormat.RawSharedSecret);
        raw.CopyTo(output);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(raw);
    }

    /// <summary>A view of this key pair whose disposal leaves the key alive (for a static key shared by many handshakes).</summary>
    public NoiseKeyPair Borrow() => new(_key, _publicKey, ownsKey: false);

    public void Dispose()
    {
        if (_ownsKey) _key.Dispose();
    }
}
