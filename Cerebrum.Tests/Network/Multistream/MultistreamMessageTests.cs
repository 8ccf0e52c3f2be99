using Cerebrum.Core.Network.Multistream;

namespace Cerebrum.Tests.Network.Multistream;

public class MultistreamMessageTests
{
    [Test]
    public void Encode_NaMatchesTheReadmeHex()
    {
        // multistream-select README: "na\n" is 0x036e610a.
        Assert.That(MultistreamMessage.Encode("na"), Is.EqualTo(new byte[] { 0x03, 0x6e, 0x61, 0x0a }));
    }

    [Test]
    public void Encode_LsMatchesTheReadmeHex()
    {
        // multistream-select README: "ls\n" is 0x036c730a.
        Assert.That(MultistreamMessage.Encode("ls"), Is.EqualTo(new byte[] { 0x03, 0x6c, 0x73, 0x0a }));
    }

    [Test]
    public void Encode_SeveralMessagesAreConcatenated()
    {
        var bytes = MultistreamMessage.Encode("/multistream/1.0.0", "/noise");
        var expected = new List<byte> { 19 };
        expected.AddRange("/multistream/1.0.0\n"u8.ToArray());
        expected.Add(7);
        expected.AddRange("/noise\n"u8.ToArray());
        Assert.That(bytes, Is.EqualTo(expected.ToArray()));
    }

    [Test]
    public void Encode_LongMessageUsesATwoByteLengthPrefix()
    {
        var text = new string('a', 199);
        var bytes = MultistreamMessage.Encode(text);
        // 200 = 0xc8 -> varint 0xc8 0x01.
        Assert.That(bytes[..2], Is.EqualTo(new byte[] { 0xc8, 0x01 }));
        Assert.That(bytes, Has.Length.EqualTo(202));
        Assert.That(bytes[^1], Is.EqualTo((byte)'\n'));
    }

    [Test]
    public void Encode_CountsUtf8BytesNotChars()
    {
        var bytes = MultistreamMessage.Encode("/é");
        Assert.That(bytes, Is.EqualTo(new byte[] { 4, (byte)'/', 0xc3, 0xa9, (byte)'\n' }));
    }

    [TestCase("")]
    [TestCase("/a\n/b")]
    public void Encode_RejectsEmptyOrMultiLineMessages(string message)
    {
        Assert.That(() => MultistreamMessage.Encode(message), Throws.ArgumentException);
    }

    [Test]
    public void EncodeList_FollowsTheReadmeLayout()
    {
        var bytes = MultistreamMessage.EncodeList(["/a", "/bc"]);
        // Body: 03 "/a\n" 04 "/bc\n" then the closing '\n'; total body 4 + 5 + 1 = 10.
        byte[] expected = [10, 3, (byte)'/', (byte)'a', 10, 4, (byte)'/', (byte)'b', (byte)'c', 10, 10];
        Assert.That(bytes, Is.EqualTo(expected));
    }

    [Test]
    public void EncodedMessagesDecodeBack()
    {
        string[] messages = ["/multistream/1.0.0", "/yamux/1.0.0", "na", "/ünïcödé/1"];
        var decoded = new MultistreamMessageDecoder().DecodeAll(MultistreamMessage.Encode(messages));
        Assert.That(decoded, Is.EqualTo(messages));
    }
}
