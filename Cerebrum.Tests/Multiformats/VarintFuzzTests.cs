using Cerebrum.Core.Multiformats;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Multiformats;

/// <summary>Varint decoding of hostile bytes: a value, "need more", or <see cref="FormatException"/>; nothing else.</summary>
public class VarintFuzzTests
{
    private static readonly byte[][] Valid = [.. new ulong[] { 0, 1, 127, 128, 300, 16384, uint.MaxValue, long.MaxValue }.Select(Varint.Encode)];

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void TryRead_ReturnsAMinimalValueOrNeedsMoreOrThrowsFormatException(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(3000); i++)
        {
            var input = mutator.Next(Valid, 12);
            var consumed = 0;
            ulong value = 0;
            if (!Fuzz.Check("Varint.TryRead", seed, input, () => consumed = Varint.TryRead(input, out value), typeof(FormatException)))
                continue;
            if (consumed > 0)
                Assert.That(Varint.Encode(value), Is.EqualTo(input[..consumed]), $"seed {seed}: 0x{Convert.ToHexStringLower(input)} is not the minimal encoding of {value}");
            else
                Assert.That(input, Has.Length.LessThan(Varint.MaxLength), $"seed {seed}: 0x{Convert.ToHexStringLower(input)} asked for more input past the 9-byte cap");
        }
    }

    [Test]
    public void TenByteVarint_IsRejectedWithItsLength()
    {
        var error = Assert.Throws<FormatException>(() => Varint.Read([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], out _));
        Assert.That(error!.Message, Does.Contain("longer than 9 bytes"));
    }
}
