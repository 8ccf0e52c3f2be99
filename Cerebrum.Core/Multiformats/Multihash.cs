using System.Security.Cryptography;

namespace Cerebrum.Core.Multiformats;

/// <summary>The two multihash functions libp2p peer IDs use.</summary>
public static class Multihash
{
    public const ulong Identity = 0x00;
    public const ulong Sha2_256 = 0x12;

    public static byte[] Sha256(ReadOnlySpan<byte> data)
    {
        var result = new byte[2 + 32];
        result[0] = (byte)Sha2_256;
        result[1] = 32;
        SHA256.HashData(data, result.AsSpan(2));
        return result;
    }

    public static byte[] IdentityOf(ReadOnlySpan<byte> data)
    {
        var prefix = 1 + Varint.GetLength((ulong)data.Length);
        var result = new byte[prefix + data.Length];
        result[0] = (byte)Identity;
        Varint.Write((ulong)data.Length, result.AsSpan(1));
        data.CopyTo(result.AsSpan(prefix));
        return result;
    }

    /// <summary>Splits a multihash into code and digest, checking that the length matches.</summary>
    public static (ulong Code, ReadOnlyMemory<byte> Digest) Decode(ReadOnlyMemory<byte> multihash)
    {
        var span = multihash.Span;
        var code = Varint.Read(span, out var a);
        var length = Varint.Read(span[a..], out var b);
        var header = a + b;
        if ((ulong)(span.Length - header) != length)
            throw new FormatException($"multihash digest length {span.Length - header} does not match its declared length {length}");
        if (code == Sha2_256 && length != 32)
            throw new FormatException("sha2-256 multihash must have a 32-byte digest");
        return (code, multihash[header..]);
    }
}
