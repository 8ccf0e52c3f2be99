using System.Security.Cryptography;

namespace Cerebrum.Core.Network.Noise;

/// <summary>
/// Noise's HKDF(chaining_key, input_key_material) with two outputs (spec section 4.3), written out with HMAC-SHA256.
/// It equals RFC 5869 HKDF with salt = chaining key and empty info, but the platform HKDF (OpenSSL) rejects the
/// empty input key material that Split() uses, hence the direct construction.
/// </summary>
internal static class NoiseHkdf
{
    public const int HashLength = 32;

    /// <summary><paramref name="output1"/> may alias <paramref name="chainingKey"/> (MixKey overwrites ck in place).</summary>
    public static void Derive(ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> inputKeyMaterial, Span<byte> output1, Span<byte> output2)
    {
        Span<byte> tempKey = stackalloc byte[HashLength];
        Span<byte> block = stackalloc byte[HashLength + 1];
        HMACSHA256.HashData(chainingKey, inputKeyMaterial, tempKey);
        block[0] = 0x01;
        HMACSHA256.HashData(tempKey, block[..1], block[..HashLength]);
        block[..HashLength].CopyTo(output1);
        block[HashLength] = 0x02;
        HMACSHA256.HashData(tempKey, block, output2);
        CryptographicOperations.ZeroMemory(tempKey);
        CryptographicOperations.ZeroMemory(block);
    }
}
