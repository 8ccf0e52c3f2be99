using Cerebrum.Core.Network.Multistream;

namespace Cerebrum.Tests.Network.Multistream;

public class MultistreamMessageDecoderTests
{
    private static readonly string[] Messages = ["/multistream/1.0.0", "/noise", "na", "/yamux/1.0.0"];

    [Test]
    public void Decode_CoalescedMessagesComeOutOneAtATime()
    {
        var bytes = MultistreamMessage.Encode(Messages);
        var decoder = new MultistreamMessageDecoder();

        var consumed = decoder.Decode(bytes, out var first);

        Assert.That(first, Is.EqualTo("/multistream/1.0.0"));
        // Stops right after the first message: 1 prefix byte + 19 body bytes.
        Assert.That(consumed, Is.EqualTo(20));
        Assert.That(decoder.IsAtMessageBoundary, Is.True);
        Assert.That(decoder.DecodeAll(bytes.AsSpan(consumed)), Is.EqualTo(Messages[1..]));
    }

    [Test]
    public void Decode_SplitAtEveryOffsetGivesTheSameMessages()
    {
        var bytes = MultistreamMessage.Encode(Messages);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var decoder = new MultistreamMessageDecoder();
            var decoded = new List<string>();
            decoded.AddRange(decoder.DecodeAll(bytes.AsSpan(0, split)));
            decoded.AddRange(decoder.DecodeAll(bytes.AsSpan(split)));
            Assert.That(decoded, Is.EqualTo(Messages), $"split at {split}");
            Assert.That(decoder.IsAtMessageBoundary, Is.True);
        }
    }

    [Test]
    public void Decode_ByteByByteGivesTheSameMessages()
    {
        var bytes = MultistreamMessage.Encode(Messages);
        var decoder = new MultistreamMessageDecoder();
        var decoded = new List<string>();
        foreach (var b in bytes)
        {
            Assert.That(decoder.BytesNeeded, Is.GreaterThanOrEqualTo(1));
            Assert.That(decoder.Decode([b], out var message), Is.EqualTo(1));
            if (message is not null)
                decoded.Add(message);
        }
        Assert.That(decoded, Is.EqualTo(Messages));
    }

    [Test]
    public void Decode_PartialMessageYieldsNothingYet()
    {
        var bytes = MultistreamMessage.Encode("/noise");
        var decoder = new MultistreamMessageDecoder();

        Assert.That(decoder.Decode(bytes.AsSpan(0, 4), out var message), Is.EqualTo(4));
        Assert.That(message, Is.Null);
        Assert.That(decoder.IsAtMessageBoundary, Is.False);
        Assert.That(decoder.BytesNeeded, Is.EqualTo(bytes.Length - 4));
    }

    [Test]
    public void BytesNeeded_NeverReachesPastTheCurrentMessage()
    {
        // Simulates the I/O edge: feeding exactly BytesNeeded must land on each message boundary, leaving
        // the trailing application bytes unread.
        var app = new byte[] { 0xde, 0xad, 0xbe, 0xef };
        var bytes = MultistreamMessage.Encode(Messages).Concat(app).ToArray();
        var decoder = new MultistreamMessageDecoder();
        var offset = 0;
        var decoded = new List<string>();
        while (decoded.Count < Messages.Length)
        {
            var n = decoder.Decode(bytes.AsSpan(offset, decoder.BytesNeeded), out var message);
            offset += n;
            if (message is not null)
                decoded.Add(message);
        }
        Assert.That(decoded, Is.EqualTo(Messages));
        Assert.That(bytes[offset..], Is.EqualTo(app));
    }

    [Test]
    public void Decode_MessageAtTheMaximumIsAccepted()
    {
        var text = new string('x', MultistreamMessage.DefaultMaxLength - 1);
        Assert.That(new MultistreamMessageDecoder().DecodeAll(MultistreamMessage.Encode(text)), Is.EqualTo(new[] { text }));
    }

    [Test]
    public void Decode_OversizeLengthIsRejectedBeforeTheBodyArrives()
    {
        var text = new string('x', MultistreamMessage.DefaultMaxLength);
        var bytes = MultistreamMessage.Encode(text);
        var decoder = new MultistreamMessageDecoder();

        // Only the two-byte prefix is fed: the length alone must trigger the error.
        Assert.That(() => decoder.Decode(bytes.AsSpan(0, 2), out _),
            Throws.TypeOf<MultistreamProtocolException>().With.Message.Contains("1025 exceeds the maximum of 1024"));
    }

    [Test]
    public void Decode_CustomMaximumIsEnforced()
    {
        var decoder = new MultistreamMessageDecoder(maxLength: 8);
        Assert.That(() => decoder.DecodeAll(MultistreamMessage.Encode("/12345678")),
            Throws.TypeOf<MultistreamProtocolException>().With.Message.Contains("exceeds the maximum of 8"));
    }

    [Test]
    public void Decode_HugeVarintIsRejectedWithoutWaitingForNineBytes()
    {
        var decoder = new MultistreamMessageDecoder();
        // Two continuation bytes already imply a length of at least 2^14.
        Assert.That(() => decoder.Decode([0xff, 0xff], out _),
            Throws.TypeOf<MultistreamProtocolException>().With.Message.Contains("exceeds the maximum"));
    }

    [Test]
    public void Decode_NonMinimalLengthPrefixIsRejected()
    {
        var decoder = new MultistreamMessageDecoder();
        Assert.That(() => decoder.Decode([0x83, 0x00, (byte)'n', (byte)'a', (byte)'\n'], out _),
            Throws.TypeOf<MultistreamProtocolException>().With.Message.Contains("minimally"));
    }

    [Test]
    public void Decode_MissingNewlineIsRejected()
    {
        var decoder = new MultistreamMessageDecoder();
        Assert.That(() => decoder.DecodeAll([0x03, (byte)'n', (byte)'a', (byte)'!']),
            Throws.TypeOf<MultistreamProtocolException>().With.Message.Contains("does not end with a newline"));
    }

    [Test]
    public void Decode_InvalidUtf8IsRejected()
    {
        var decoder = new MultistreamMessageDecoder();
        Assert.That(() => decoder.DecodeAll([0x04, (byte)'/', 0xc3, 0x28, (byte)'\n']),
            Throws.TypeOf<MultistreamProtocolException>().With.Message.Contains("not valid UTF-8"));
    }

    [Test]
    public void Decode_LoneNewlineIsAnEmptyMessageAndRejected()
    {
        var decoder = new MultistreamMessageDecoder();
        Assert.That(() => decoder.DecodeAll([0x01, (byte)'\n']),
            Throws.TypeOf<MultistreamProtocolException>().With.Message.Contains("empty message"));
    }

    [Test]
    public void Decode_ZeroLengthIsRejected()
    {
        var decoder = new MultistreamMessageDecoder();
        Assert.That(() => decoder.DecodeAll([0x00]),
            Throws.TypeOf<MultistreamProtocolException>().With.Message.Contains("zero-length"));
    }

    [Test]
    public void Decode_GarbageIsRejected()
    {
        // A TLS ClientHello start: 0x16 (22-byte length), then binary that does not end in '\n'.
        var garbage = new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc };
        var decoder = new MultistreamMessageDecoder();
        Assert.That(() => decoder.DecodeAll(garbage), Throws.TypeOf<MultistreamProtocolException>());
    }

    [Test]
    public void Decode_AfterAFailureTheDecoderStaysFailed()
    {
        var decoder = new MultistreamMessageDecoder();
        Assert.That(() => decoder.DecodeAll([0x00]), Throws.TypeOf<MultistreamProtocolException>());
        Assert.That(() => decoder.DecodeAll(MultistreamMessage.Encode("na")),
            Throws.TypeOf<MultistreamProtocolException>().With.Message.Contains("already failed"));
    }
}
