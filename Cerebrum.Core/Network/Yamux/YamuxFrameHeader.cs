using System.Buffers.Binary;

namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// The fixed 12-byte header in front of every yamux frame: version, type, flags, stream id, length, all big-endian.
/// For Data the length is the payload size, for WindowUpdate a window delta, for Ping an opaque value, for GoAway an error code.
/// </summary>
internal readonly record struct YamuxFrameHeader(YamuxFrameType Type, YamuxFrameFlags Flags, uint StreamId, uint Length)
{
    public const int Size = 12;
    public const byte ProtocolVersion = 0;

    public bool HasFlag(YamuxFrameFlags flag) => (Flags & flag) != 0;

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
            throw new ArgumentException($"a yamux header needs {Size} bytes, got {destination.Length}", nameof(destination));
        destination[0] = ProtocolVersion;
        destination[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Length);
    }

    /// <summary>
    /// Decodes a header from the start of <paramref name="source"/>. Returns false when fewer than 12 bytes are available;
    /// throws <see cref="YamuxProtocolException"/> for an unknown version or frame type, since nothing after such a header can be trusted.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out YamuxFrameHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }
        if (source[0] != ProtocolVersion)
            throw new YamuxProtocolException($"unsupported yamux version {source[0]}");
        var type = source[1];
        if (type > (byte)YamuxFrameType.GoAway)
            throw new YamuxProtocolException($"unknown yamux frame type {type}");
        header = new YamuxFrameHeader(
            (YamuxFrameType)type,
            (YamuxFrameFlags)BinaryPrimitives.ReadUInt16BigEndian(source[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]));
        return true;
    }

    public override string ToString() => $"{Type} flags={Flags} stream={StreamId} length={Length}";
}
