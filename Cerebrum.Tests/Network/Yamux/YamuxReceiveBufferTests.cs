using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Tests.Network.Yamux;

public class YamuxReceiveBufferTests
{
    [Test]
    public void Read_SpansSegmentsInOrderAndKeepsPartialSegments()
    {
        var buffer = new YamuxReceiveBuffer();
        buffer.Enqueue(Segment([1, 2, 3]), 3);
        buffer.Enqueue(Segment([4, 5]), 2);
        buffer.Enqueue(Segment([6, 7, 8, 9]), 4);

        var first = new byte[4];
        Assert.That(buffer.Read(first), Is.EqualTo(4));
        Assert.That(first, Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That(buffer.Length, Is.EqualTo(5));

        var rest = new byte[10];
        Assert.That(buffer.Read(rest), Is.EqualTo(5));
        Assert.That(rest.AsSpan(0, 5).ToArray(), Is.EqualTo(new byte[] { 5, 6, 7, 8, 9 }));
        Assert.That(buffer.Length, Is.Zero);
        Assert.That(buffer.Read(rest), Is.Zero);
    }

    [Test]
    public void Clear_DropsEverythingAndReportsHowMuch()
    {
        var buffer = new YamuxReceiveBuffer();
        buffer.Enqueue(Segment([1, 2, 3]), 3);
        buffer.Read(new byte[1]);
        buffer.Enqueue(Segment([4]), 1);

        Assert.That(buffer.Clear(), Is.EqualTo(3));
        Assert.That(buffer.Length, Is.Zero);
        Assert.That(buffer.Read(new byte[4]), Is.Zero);
    }

    private static byte[] Segment(byte[] content)
    {
        var array = YamuxBufferPool.Shared.Rent(content.Length);
        content.CopyTo(array, 0);
        return array;
    }
}
