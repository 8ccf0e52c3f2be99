using System.Buffers.Binary;
using System.Text;

namespace Cerebrum.Core.Chain.Payments;

/// <summary>
/// Builds the fixed-layout bytes a payer or node signs for the market (vouchers, lease terms): a domain, then fields in
/// a set order, variable ones prefixed by a one-byte length, integers big-endian. Unlike a protobuf encoding, one set of
/// values has exactly one layout, so a signature cannot be moved onto other bytes that decode alike.
/// </summary>
internal sealed class SignBytesWriter(string domain)
{
    private readonly List<byte> _bytes = [.. Encoding.ASCII.GetBytes(domain)];

    /// <exception cref="ArgumentException">More than 255 bytes.</exception>
    public SignBytesWriter Short(ReadOnlySpan<byte> value)
    {
        if (value.Length > byte.MaxValue) throw new ArgumentException($"a length-prefixed field holds at most 255 bytes, not {value.Length}", nameof(value));
        _bytes.Add((byte)value.Length);
        foreach (var b in value) _bytes.Add(b);
        return this;
    }

    public SignBytesWriter Short(string value) => Short(Encoding.UTF8.GetBytes(value));

    public SignBytesWriter Fixed(ReadOnlySpan<byte> value)
    {
        foreach (var b in value) _bytes.Add(b);
        return this;
    }

    public SignBytesWriter UInt32(uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(buffer, value);
        return Fixed(buffer);
    }

    public SignBytesWriter UInt64(ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(buffer, value);
        return Fixed(buffer);
    }

    public SignBytesWriter Int64(long value) => UInt64(unchecked((ulong)value));

    public byte[] ToArray() => [.. _bytes];
}
