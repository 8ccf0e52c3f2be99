using System.Text;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Tests.Multiformats;

public class Base58Tests
{
    // Expected strings computed independently (Python big-integer base58btc), not with this code.
    [TestCase("", "")]
    [TestCase("00", "1")]
    [TestCase("0000", "11")]
    [TestCase("0000287fb4cd", "11233QC4")]
    [TestCase("48656c6c6f20576f726c6421", "2NEpo7TZRRrLZSi2U")]
    [TestCase("12209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9", "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N")]
    public void Encode_MatchesKnownValues(string hex, string text)
    {
        Assert.That(Base58.Encode(Convert.FromHexString(hex)), Is.EqualTo(text));
    }

    [TestCase("00", "1")]
    [TestCase("0000287fb4cd", "11233QC4")]
    [TestCase("48656c6c6f20576f726c6421", "2NEpo7TZRRrLZSi2U")]
    public void Decode_MatchesKnownValues(string hex, string text)
    {
        Assert.That(Convert.ToHexStringLower(Base58.Decode(text)), Is.EqualTo(hex));
    }

    [Test]
    public void Decode_LongText()
    {
        var text = "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z";
        Assert.That(Encoding.ASCII.GetString(Base58.Decode(text)), Is.EqualTo("The quick brown fox jumps over the lazy dog."));
    }

    [Test]
    public void RandomBytesRoundTrip()
    {
        var random = new Random(58);
        for (var length = 0; length < 300; length += 7)
        {
            var data = new byte[length];
            random.NextBytes(data);
            if (length > 3)
                data[0] = data[1] = 0; // keep leading zeros in play
            var text = Base58.Encode(data);
            if (length == 0)
            {
                Assert.That(text, Is.Empty);
                continue;
            }
            Assert.That(Base58.Decode(text), Is.EqualTo(data), $"length {length}");
        }
    }

    [TestCase("0", '0', 0)]
    [TestCase("12O4", 'O', 2)]
    [TestCase("abcI", 'I', 3)]
    [TestCase("l", 'l', 0)]
    [TestCase("2NEpo+7", '+', 5)]
    [TestCase("2NEé", 'é', 3)]
    public void Decode_RejectsCharactersOutsideTheAlphabet(string text, char bad, int position)
    {
        Assert.That(() => Base58.Decode(text),
            Throws.TypeOf<FormatException>().With.Message.Contains($"'{bad}' at position {position}"));
        Assert.That(Base58.TryDecode(text, out var bytes, out var error), Is.False);
        Assert.That(bytes, Is.Empty);
        Assert.That(error, Does.Contain($"'{bad}'"));
    }

    [Test]
    public void Decode_RejectsEmptyText()
    {
        Assert.That(() => Base58.Decode(""), Throws.TypeOf<FormatException>().With.Message.Contains("empty"));
    }
}
