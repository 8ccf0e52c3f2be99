namespace Cerebrum.Core.Crypto;

/// <summary>
/// The one encoding of a secp256k1 ECDSA signature the ledger and consensus accept: strict DER (BIP 66: minimal
/// lengths and integers, nothing after the sequence) with a low S (s ≤ n/2, BIP 62). ECDSA is malleable: (r, s) and
/// (r, n − s) both verify, and a lax DER parser takes many byte strings for one (r, s); a third party could then
/// change a signed message's bytes, and with them its hash, without the key. Our signers (RFC 6979, libsecp256k1)
/// only ever produce this form.
/// </summary>
public static class EcdsaSignatureEncoding
{
    /// <summary>n − 1 of secp256k1, big-endian: R lies in [1, n − 1].</summary>
    private static ReadOnlySpan<byte> OrderMinusOne =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE,
        0xBA, 0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x40,
    ];

    /// <summary>n / 2 of secp256k1, big-endian: S lies in [1, n / 2] (low S).</summary>
    private static ReadOnlySpan<byte> HalfOrder =>
    [
        0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4, 0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0,
    ];

    /// <summary>True when <paramref name="signature"/> is a strict DER sequence of two integers, R in [1, n − 1] and S in [1, n/2].</summary>
    public static bool IsStrictLowS(ReadOnlySpan<byte> signature)
    {
        // 0x30 len 0x02 lenR R 0x02 lenS S, with one-byte lengths: 8 to 72 bytes in all.
        if (signature.Length is < 8 or > 72) return false;
        if (signature[0] != 0x30 || signature[1] != signature.Length - 2) return false;
        var lengthR = signature[3];
        if (5 + lengthR >= signature.Length) return false;
        var lengthS = signature[5 + lengthR];
        if (lengthR + lengthS + 6 != signature.Length) return false;
        if (signature[2] != 0x02 || !IsMinimalPositive(signature.Slice(4, lengthR))) return false;
        if (signature[4 + lengthR] != 0x02 || !IsMinimalPositive(signature.Slice(6 + lengthR, lengthS))) return false;
        return IsAtMost(signature.Slice(4, lengthR), OrderMinusOne) && IsAtMost(signature.Slice(6 + lengthR, lengthS), HalfOrder);
    }

    // A DER INTEGER's content: not empty, not negative, no needless leading zero, not zero.
    private static bool IsMinimalPositive(ReadOnlySpan<byte> integer)
    {
        if (integer.IsEmpty || (integer[0] & 0x80) != 0) return false;
        if (integer.Length > 1 && integer[0] == 0 && (integer[1] & 0x80) == 0) return false;
        return integer.IndexOfAnyExcept((byte)0) >= 0;
    }

    // The integer (minimal DER content) is at most the 32-byte big-endian bound.
    private static bool IsAtMost(ReadOnlySpan<byte> integer, ReadOnlySpan<byte> bound)
    {
        var magnitude = integer[integer.IndexOfAnyExcept((byte)0)..];
        if (magnitude.Length != bound.Length) return magnitude.Length < bound.Length;
        return magnitude.SequenceCompareTo(bound) <= 0;
    }
}
