using Cerebrum.Core.Multiformats;

namespace Cerebrum.Tests.Multiformats;

public class VarintTests
{
    // multiformats/unsigned-varint README examples, plus the 0 and 2^63-1 boundaries.
    [TestCase(0UL, "00")]
    [TestCase(1UL, "01")]
    [TestCase(127UL, "7f")]
    [TestCase(128UL, "8001")]
    [TestCase(255UL, "ff01")]
    [TestCase(300UL, "ac02")]
    [TestCase(16383UL, "ff7f")]
    [TestCase(16384UL, "808001")]
    [TestCase((ulong)long.MaxValue, "ffffffffffffffff7f")]
    public void EncodeAndDecode(ulong value, string hex)
    {
        var bytes = Convert.FromHexString(hex);
        Assert.That(Convert.ToHexStringLower(Varint.Encode(value)), Is.EqualTo(hex));
        Assert.That(Varint.GetLength(value), Is.EqualTo(bytes.Length));
        Assert.That(Varint.Read(bytes, out var consumed), Is.EqualTo(value));
        Assert.That(consumed, Is.EqualTo(bytes.Length));
    }

    [Test]
    public void Write_ReturnsBytesWritten()
    {
        Span<byte> buffer = stackalloc byte[12];
        buffer.Fill(0xee);
        Assert.That(Varint.Write(300, buffer), Is.EqualTo(2));
        Assert.That(buffer[..3].ToArray(), Is.EqualTo(new byte[] { 0xac, 0x02, 0xee }));
    }

    [Test]
    public void Encode_RejectsValuesNeedingTenBytes()
    {
        // 2^63 would take 10 bytes, past the spec's 9-byte cap that the decoder enforces.
        Assert.That(() => Varint.Encode(1UL << 63), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => Varint.GetLength(ulong.MaxValue), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => Varint.Write(ulong.MaxValue, new byte[16]), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    [Test]
    public void PowersOfTwoRoundTrip()
    {
        for (var bit = 0; bit < 63; bit++)
        {
            foreach (var value in new[] { (1UL << bit) - 1, 1UL << bit, (1UL << bit) + 1 })
            {
                var encoded = Varint.Encode(value);
                Assert.That(Varint.Read(encoded, out var consumed), Is.EqualTo(value), $"value {value}");
                Assert.That(consumed, Is.EqualTo(encoded.Length));
            }
        }
    }

    [Test]
    public void Read_StopsAtTheEndOfTheVarint()
    {
        Assert.That(Varint.Read([0xac, 0x02, 0x05, 0xff], out var consumed), Is.EqualTo(300UL));
        Assert.That(consumed, Is.EqualTo(2));
    }

    [TestCase("8100")]
    [TestCase("808000")]
    [TestCase("ff8000")]
    [TestCase("ffffffffffffffff00")]
    public void Read_RejectsNonMinimalEncodings(string hex)
    {
        Assert.That(() => Varint.Read(Convert.FromHexString(hex), out _),
            Throws.TypeOf<FormatException>().With.Message.Contains("not minimally encoded"));
    }

    [TestCase("80808080808080808001")]
    [TestCase("ffffffffffffffffff01")]
    [TestCase("ffffffffffffffffff")]
    public void Read_RejectsVarintsLongerThanNineBytes(string hex)
    {
        Assert.That(() => Varint.Read(Convert.FromHexString(hex), out _),
            Throws.TypeOf<FormatException>().With.Message.Contains("longer than 9 bytes"));
    }

    [TestCase("")]
    [TestCase("80")]
    [TestCase("ff")]
    [TestCase("ffffffffffffffff")]
    public void TryRead_TruncatedNeedsMoreInput(string hex)
    {
        Assert.That(Varint.TryRead(Convert.FromHexString(hex), out var value), Is.Zero);
        Assert.That(value, Is.Zero);
    }

    [TestCase("")]
    [TestCase("80")]
    [TestCase("8080")]
    public void Read_RejectsTruncatedVarints(string hex)
    {
        Assert.That(() => Varint.Read(Convert.FromHexString(hex), out _),
            Throws.TypeOf<FormatException>().With.Message.Contains("truncated"));
    }
}
