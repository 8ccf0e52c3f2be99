using Cerebrum.Core.Crypto;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Crypto;

/// <summary>
/// The key and peer ID decoders that take bytes from peers: <see cref="PublicKey.FromProtobuf"/> and
/// <see cref="PrivateKey.FromProtobuf"/> throw <see cref="FormatException"/> (malformed) or
/// <see cref="NotSupportedException"/> (RSA, ECDSA); <see cref="PeerId.FromBytes"/> throws <see cref="FormatException"/>.
/// </summary>
public class KeyProtobufFuzzTests
{
    private static readonly PrivateKey[] Keys = [Fuzz.Key("key-protobuf-fuzz-secp256k1", KeyType.Secp256k1), Fuzz.Key("key-protobuf-fuzz-ed25519", KeyType.Ed25519)];

    private static readonly byte[][] ValidPublic = [.. Keys.Select(k => k.PublicKey.ToProtobuf())];

    private static readonly byte[][] ValidPrivate = [.. Keys.Select(k => k.ToProtobuf())];

    private static readonly byte[][] ValidPeerIds = [.. Keys.Select(k => k.PeerId.Bytes.ToArray())];

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void PublicKeyFromProtobuf_RoundTripsOrThrowsItsDocumentedErrors(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1500); i++)
        {
            var input = mutator.Next(ValidPublic, 48);
            PublicKey? key = null;
            if (Fuzz.CheckBounded("PublicKey.FromProtobuf", seed, input, () => key = PublicKey.FromProtobuf(input), typeof(FormatException), typeof(NotSupportedException)))
                Assert.That(PublicKey.FromProtobuf(key!.ToProtobuf()), Is.EqualTo(key), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void PrivateKeyFromProtobuf_RoundTripsOrThrowsItsDocumentedErrors(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1000); i++)
        {
            var input = mutator.Next(ValidPrivate, 80);
            PrivateKey? key = null;
            if (!Fuzz.CheckBounded("PrivateKey.FromProtobuf", seed, input, () => key = PrivateKey.FromProtobuf(input), typeof(FormatException), typeof(NotSupportedException)))
                continue;
            using (key)
                Assert.That(PrivateKey.FromProtobuf(key!.ToProtobuf()).PeerId, Is.EqualTo(key.PeerId), $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void PeerIdFromBytes_RoundTripsThroughTextOrThrowsFormatException(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(1500); i++)
        {
            var input = mutator.Next(ValidPeerIds, 48);
            PeerId? id = null;
            if (!Fuzz.CheckBounded("PeerId.FromBytes", seed, input, () => id = PeerId.FromBytes(input), typeof(FormatException)))
                continue;
            var context = $"seed {seed}: 0x{Convert.ToHexStringLower(input)}";
            Assert.That(PeerId.Parse(id!.ToString()), Is.EqualTo(id), context);
            Assert.That(PeerId.Parse(id.ToCidString()), Is.EqualTo(id), context);
            // The inlined key of an identity multihash is peer data too: malformed ones are reported, not crashed on.
            Fuzz.Check("PeerId.TryGetPublicKey", seed, input, () => id.TryGetPublicKey(), typeof(FormatException), typeof(NotSupportedException));
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void PeerIdTryParse_NeverThrows(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        var valid = Keys.SelectMany(k => new[] { k.PeerId.ToString(), k.PeerId.ToCidString() }).ToArray();
        for (var i = 0; i < Fuzz.Iterations(1500); i++)
        {
            var text = mutator.MutateText(valid[mutator.Random.Next(valid.Length)]);
            var input = System.Text.Encoding.UTF8.GetBytes(text);
            PeerId? id = null;
            string? error = null;
            var parsed = false;
            Fuzz.Check("PeerId.TryParse", seed, input, () => parsed = PeerId.TryParse(text, out id, out error));
            Assert.That(parsed ? id is not null : !string.IsNullOrEmpty(error), Is.True, $"seed {seed}: '{text}'");
        }
    }
}
