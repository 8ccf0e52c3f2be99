using System.Text;
using Cerebrum.Core.Multiformats;

namespace Cerebrum.Tests.Multiformats;

public class Base32Tests
{
    // RFC 4648 section 10 test vectors, lower-cased and without padding as multibase 'b' uses them.
    [TestCase("", "")]
    [TestCase("f", "my")]
    [TestCase("fo", "mzxq")]
    [TestCase("foo", "mzxw6")]
    [TestCase("foob", "mzxw6yq")]
    [TestCase("fooba", "mzxw6ytb")]
    [TestCase("foobar", "mzxw6ytboi")]
    public void Rfc4648Vectors(string plain, string encoded)
    {
        Assert.That(Base32.Encode(Encoding.ASCII.GetBytes(plain)), Is.EqualTo(encoded));
        Assert.That(Encoding.ASCII.GetString(Base32.Decode(encoded)), Is.EqualTo(plain));
    }

    [Test]
    public void Decode_AcceptsUpperCase()
    {
        Assert.That(Encoding.ASCII.GetString(Base32.Decode("MZXW6YTBOI")), Is.EqualTo("foobar"));
    }

    [Test]
    public void RandomBytesRoundTrip()
    {
        var random = new Random(32);
        for (var length = 0; length < 100; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            var text = Base32.Encode(data);
            Assert.That(text, Does.Match("^[a-z2-7]*$"));
            Assert.That(Base32.Decode(text), Is.EqualTo(data), $"length {length}");
        }
    }

    [TestCase("mzx1", '1', 3)]
    [TestCase("8y", '8', 0)]
    [TestCase("my==", '=', 2)]
    [TestCase("m y", ' ', 1)]
    public void Decode_RejectsCharactersOutsideTheAlphabet(string text, char bad, int position)
    {
        Assert.That(() => Base32.Decode(text),
            Throws.TypeOf<FormatException>().With.Message.Contains($"'{bad}' at position {position}"));
    }

    [TestCase("m")]        // 5 bits: not even one byte
    [TestCase("mzx")]      // 15 bits: one byte and 7 stray bits
    [TestCase("mzxw6y")]   // 30 bits: three bytes and 6 stray bits
    [TestCase("mz")]       // right length for one byte, but the unused low bits are not zero
    public void Decode_RejectsImpossibleLengthsAndStrayBits(string text)
    {
        Assert.That(() => Base32.Decode(text), Throws.TypeOf<FormatException>().With.Message.Contains("trailing bits"));
    }
}
