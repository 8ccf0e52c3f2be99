using Cerebrum.Core.Multiformats;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Multiformats;

/// <summary>Multihash decoding of hostile bytes: a digest of exactly the declared length, or <see cref="FormatException"/>.</summary>
public class MultihashFuzzTests
{
    private static readonly byte[][] Valid = [Multihash.Sha256([1, 2, 3]), Multihash.IdentityOf(new byte[36]), Multihash.IdentityOf([])];

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Decode_ReturnsTheDeclaredDigestOrThrowsFormatException(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(3000); i++)
        {
            var input = mutator.Next(Valid, 48);
            (ulong Code, ReadOnlyMemory<byte> Digest) decoded = default;
            if (!Fuzz.CheckBounded("Multihash.Decode", seed, input, () => decoded = Multihash.Decode(input), typeof(FormatException)))
                continue;
            Assert.That(input.AsSpan().EndsWith(decoded.Digest.Span), Is.True, $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
            if (decoded.Code == Multihash.Sha2_256)
                Assert.That(decoded.Digest.Length, Is.EqualTo(32));
        }
    }
}
