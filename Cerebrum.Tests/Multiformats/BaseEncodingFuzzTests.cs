using Cerebrum.Core.Multiformats;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Multiformats;

/// <summary>Base58btc and base32 text decoding of hostile strings: exact round trips or <see cref="FormatException"/>.</summary>
public class BaseEncodingFuzzTests
{
    private const string Base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private const string Base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Base58_DecodesToBytesThatEncodeBackOrThrowsFormatException(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < Fuzz.Iterations(1500); i++)
        {
            var text = RandomText(random, Base58Alphabet, 60);
            byte[]? bytes = null;
            Fuzz.Check("Base58.Decode", seed, System.Text.Encoding.UTF8.GetBytes(text), () => bytes = Base58.Decode(text), typeof(FormatException));
            Assert.That(Base58.TryDecode(text, out var tried, out var error), Is.EqualTo(bytes is not null), $"seed {seed}: '{text}'");
            if (bytes is null)
                Assert.That(error, Is.Not.Empty);
            else
                Assert.That((Base58.Encode(bytes), tried), Is.EqualTo((text, bytes)), $"seed {seed}: '{text}' does not round-trip");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Base32_DecodesToBytesThatEncodeBackOrThrowsFormatException(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < Fuzz.Iterations(1500); i++)
        {
            var text = RandomText(random, Base32Alphabet, 60);
            byte[]? bytes = null;
            if (Fuzz.Check("Base32.Decode", seed, System.Text.Encoding.UTF8.GetBytes(text), () => bytes = Base32.Decode(text), typeof(FormatException)))
                Assert.That(Base32.Encode(bytes!), Is.EqualTo(text.ToLowerInvariant()), $"seed {seed}: '{text}' does not round-trip");
        }
    }

    /// <summary>Mostly alphabet characters, with a sprinkling of anything else (non-ASCII included).</summary>
    private static string RandomText(Random random, string alphabet, int maxLength)
    {
        var chars = new char[random.Next(maxLength + 1)];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = random.Next(20) == 0 ? (char)random.Next(0x300) : alphabet[random.Next(alphabet.Length)];
        return new string(chars);
    }
}
