namespace Cerebrum.Core.Multiformats;

/// <summary>Unsigned LEB128 varints as the multiformats spec defines them (at most 9 bytes, minimal encoding).</summary>
public static class Varint
{
    /// <summary>The multiformats spec caps varints at 9 bytes (63 bits).</summary>
    public const int MaxLength = 9;

    /// <summary>The largest value that fits the 9-byte cap (2^63 - 1).</summary>
    private const ulong MaxValue = long.MaxValue;

    public static int GetLength(ulong value)
    {
        // Larger values would need 10 bytes, which every decoder (ours included) rejects.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxValue);
        var n = 1;
        while (value >= 0x80) { value >>= 7; n++; }
        return n;
    }

    public static int Write(ulong value, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxValue);
        var i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    public static byte[] Encode(ulong value)
    {
        var buffer = new byte[GetLength(value)];
        Write(value, buffer);
        return buffer;
    }

    /// <summary>Decodes a varint at the start of <paramref name="source"/>.</summary>
    /// <returns>Bytes consumed, 0 when more input is needed.</returns>
    /// <exception cref="FormatException">Overlong (more than 9 bytes) or non-minimal encoding.</exception>
    public static int TryRead(ReadOnlySpan<byte> source, out ulong value)
    {
        value = 0;
        var shift = 0;
        for (var i = 0; i < source.Length; i++)
        {
            if (i >= MaxLength)
                throw new FormatException("varint is longer than 9 bytes");
            var b = source[i];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                    throw new FormatException("varint is not minimally encoded");
                return i + 1;
            }
            shift += 7;
        }
        if (source.Length >= MaxLength)
            throw new FormatException("varint is longer than 9 bytes");
        value = 0;
        return 0;
    }

    /// <summary>Decodes a complete varint or throws.</summary>
    public static ulong Read(ReadOnlySpan<byte> source, out int consumed)
    {
        consumed = TryRead(source, out var value);
        if (consumed == 0)
            throw new FormatException("truncated varint");
        return value;
    }
}
