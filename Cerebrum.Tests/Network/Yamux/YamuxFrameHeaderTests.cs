using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Tests.Network.Yamux;

public class YamuxFrameHeaderTests
{
    [Test]
    public void WriteTo_EncodesAllFieldsBigEndian()
    {
        var bytes = new byte[YamuxFrameHeader.Size];
        new YamuxFrameHeader(YamuxFrameType.WindowUpdate, YamuxFrameFlags.Syn | YamuxFrameFlags.Ack, 0x01020304, 0x0A0B0C0D).WriteTo(bytes);

        Assert.That(bytes, Is.EqualTo(new byte[] { 0, 1, 0, 3, 1, 2, 3, 4, 0x0A, 0x0B, 0x0C, 0x0D }));
    }

    // Raw numbers because the frame enums are internal: (type, flags, stream id, length).
    [TestCase((byte)0, (ushort)0, 1u, 65536u)]
    [TestCase((byte)1, (ushort)4, 2u, 0u)]
    [TestCase((byte)1, (ushort)(8 | 2), uint.MaxValue, uint.MaxValue)]
    [TestCase((byte)2, (ushort)1, 0u, 0xDEADBEEFu)]
    [TestCase((byte)3, (ushort)0, 0u, 2u)]
    public void TryRead_RoundTripsWhatWriteToProduced(byte type, ushort flags, uint streamId, uint length)
    {
        var original = new YamuxFrameHeader((YamuxFrameType)type, (YamuxFrameFlags)flags, streamId, length);
        var bytes = new byte[YamuxFrameHeader.Size + 3]; // trailing bytes belong to the payload and must be ignored
        original.WriteTo(bytes);

        Assert.That(YamuxFrameHeader.TryRead(bytes, out var decoded), Is.True);
        Assert.That(decoded, Is.EqualTo(original));
    }

    [Test]
    public void TryRead_KeepsUnknownFlagBits()
    {
        byte[] bytes = [0, 0, 0x80, 0x01, 0, 0, 0, 1, 0, 0, 0, 0];

        Assert.That(YamuxFrameHeader.TryRead(bytes, out var decoded), Is.True);
        Assert.That(decoded.HasFlag(YamuxFrameFlags.Syn), Is.True);
        Assert.That((ushort)decoded.Flags, Is.EqualTo(0x8001));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(11)]
    public void TryRead_ReturnsFalseWhenTruncated(int available)
    {
        var bytes = new byte[YamuxFrameHeader.Size];
        new YamuxFrameHeader(YamuxFrameType.Data, YamuxFrameFlags.None, 1, 1).WriteTo(bytes);

        Assert.That(YamuxFrameHeader.TryRead(bytes.AsSpan(0, available), out _), Is.False);
    }

    [Test]
    public void TryRead_RejectsUnknownVersion()
    {
        byte[] bytes = [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];

        var error = Assert.Throws<YamuxProtocolException>(() => YamuxFrameHeader.TryRead(bytes, out _));
        Assert.That(error!.Message, Does.Contain("version"));
    }

    [TestCase((byte)4)]
    [TestCase((byte)0xFF)]
    public void TryRead_RejectsUnknownFrameType(byte type)
    {
        byte[] bytes = [0, type, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];

        var error = Assert.Throws<YamuxProtocolException>(() => YamuxFrameHeader.TryRead(bytes, out _));
        Assert.That(error!.Message, Does.Contain("type"));
    }

    [Test]
    public void WriteTo_RejectsTooSmallDestination()
    {
        var header = new YamuxFrameHeader(YamuxFrameType.Ping, YamuxFrameFlags.Syn, 0, 1);

        Assert.Throws<ArgumentException>(() => header.WriteTo(new byte[YamuxFrameHeader.Size - 1]));
    }
}
