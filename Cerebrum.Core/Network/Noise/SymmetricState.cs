using System.Security.Cryptography;
using System.Text;

namespace Cerebrum.Core.Network.Noise;

/// <summary>Noise SymmetricState: chaining key ck, handshake hash h and the handshake CipherState.</summary>
internal sealed class SymmetricState : IDisposable
{
    private const int HashLength = NoiseHkdf.HashLength;
    private readonly byte[] _ck = new byte[HashLength];
    private readonly byte[] _h = new byte[HashLength];
    private readonly CipherState _cipher = new();

    /// <summary>InitializeSymmetric: h = name zero-padded to HASHLEN if it fits, else HASH(name); ck = h; no key.</summary>
    public SymmetricState(string protocolName)
    {
        var name = Encoding.ASCII.GetBytes(protocolName);
        if (name.Length <= HashLength)
            name.CopyTo(_h, 0);
        else
            SHA256.HashData(name, _h);
        _h.CopyTo(_ck, 0);
    }

    public ReadOnlySpan<byte> HandshakeHash => _h;

    public bool HasKey => _cipher.HasKey;

    public void MixKey(ReadOnlySpan<byte> inputKeyMaterial)
    {
        Span<byte> tempK = stackalloc byte[HashLength];
        NoiseHkdf.Derive(_ck, inputKeyMaterial, _ck, tempK);
        // HASHLEN is 32 for SHA256, exactly the ChaChaPoly key length: no truncation needed.
        _cipher.InitializeKey(tempK);
        CryptographicOperations.ZeroMemory(tempK);
    }

    public void MixHash(ReadOnlySpan<byte> data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(_h);
        hash.AppendData(data);
        hash.GetHashAndReset(_h);
    }

    /// <summary>Writes the (possibly encrypted) plaintext to destination, mixes the ciphertext into h, returns bytes written.</summary>
    public int EncryptAndHash(ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        var written = _cipher.EncryptWithAd(_h, plaintext, destination);
        MixHash(destination[..written]);
        return written;
    }

    public int DecryptAndHash(ReadOnlySpan<byte> ciphertext, Span<byte> destination)
    {
        var written = _cipher.DecryptWithAd(_h, ciphertext, destination);
        MixHash(ciphertext);
        return written;
    }

    /// <summary>Overhead EncryptAndHash adds right now: the tag once a key is set.</summary>
    public int Overhead => _cipher.HasKey ? CipherState.TagLength : 0;

    /// <summary>Split: two CipherStates keyed from HKDF(ck, empty); the first is initiator→responder.</summary>
    public (CipherState First, CipherState Second) Split()
    {
        Span<byte> k1 = stackalloc byte[HashLength];
        Span<byte> k2 = stackalloc byte[HashLength];
        NoiseHkdf.Derive(_ck, ReadOnlySpan<byte>.Empty, k1, k2);
        var first = new CipherState();
        var second = new CipherState();
        first.InitializeKey(k1);
        second.InitializeKey(k2);
        CryptographicOperations.ZeroMemory(k1);
        CryptographicOperations.ZeroMemory(k2);
        return (first, second);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_ck);
        _cipher.Dispose();
    }
}
