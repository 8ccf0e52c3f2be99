using System.Numerics;

namespace Cerebrum.Tests.Crypto;

/// <summary>What a third party can do to an ECDSA signature without the key: flip S to n − S, or re-encode the DER laxly.</summary>
internal static class SignatureMalleability
{
    private static readonly BigInteger Order = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    /// <summary>The same (r, s) with S replaced by n − S: verifies against the same key and message.</summary>
    public static byte[] HighS(byte[] der)
    {
        var (r, s) = Split(der);
        var flipped = Order - new BigInteger(s, isUnsigned: true, isBigEndian: true);
        return Join(r, Minimal(flipped.ToByteArray(isUnsigned: true, isBigEndian: true)));
    }

    /// <summary>R written with a superfluous leading zero byte: lax DER, the same (r, s).</summary>
    public static byte[] PaddedR(byte[] der)
    {
        var (r, s) = Split(der);
        return Join([0x00, .. r], s);
    }

    private static (byte[] R, byte[] S) Split(byte[] der)
    {
        var rLength = der[3];
        var r = der.AsSpan(4, rLength).ToArray();
        var sLength = der[5 + rLength];
        var s = der.AsSpan(6 + rLength, sLength).ToArray();
        return (r, s);
    }

    private static byte[] Join(byte[] r, byte[] s) => [0x30, (byte)(4 + r.Length + s.Length), 0x02, (byte)r.Length, .. r, 0x02, (byte)s.Length, .. s];

    // A DER integer: a leading zero when the top bit is set (else it would read as negative).
    private static byte[] Minimal(byte[] magnitude) => (magnitude[0] & 0x80) != 0 ? [0x00, .. magnitude] : magnitude;
}
