using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Noise;

/// <summary>
/// The established Noise channel fed hostile frames: reads return exactly the authenticated plaintext, a clean end of
/// stream at a frame boundary, or <see cref="NoiseTransportException"/>; nothing else.
/// </summary>
public class NoiseTransportFuzzTests
{
    private static readonly byte[] Key = FixedNoiseKeySource.Sequence(9);
    private static readonly PrivateKey Remote = Fuzz.Key("noise-transport-fuzz-remote", KeyType.Ed25519);

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        Remote.Dispose();
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Read_ReturnsAuthenticatedPlaintextOrThrowsNoiseTransportException(int seed)
    {
        var plaintext = new byte[300];
        new Random(seed).NextBytes(plaintext);
        var wire = new MemoryStream();
        using (var writer = Open(wire))
        {
            writer.Write(plaintext.AsSpan(0, 100));
            writer.Write(plaintext.AsSpan(100, 1));
            writer.Write(plaintext.AsSpan(101));
        }
        byte[][] valid = [wire.ToArray()];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(600); i++)
        {
            var input = mutator.Next(valid, 400);
            var received = new MemoryStream();
            var bufferSize = 1 + mutator.Random.Next(400);
            Fuzz.CheckBounded("NoiseSecureStream.Read", seed, input, () =>
            {
                using var reader = Open(new ScriptedInputStream(input, 1 + (i % 64)));
                var buffer = new byte[bufferSize];
                int read;
                while ((read = reader.Read(buffer)) > 0)
                    received.Write(buffer, 0, read);
            }, typeof(NoiseTransportException));
            // Frames authenticate in order, so whatever came out is a prefix of what the honest writer sent.
            Assert.That(plaintext.AsSpan().StartsWith(received.ToArray()), Is.True, $"seed {seed}: 0x{Convert.ToHexStringLower(input)}");
        }
    }

    private static NoiseSecureStream Open(Stream inner) =>
        new(inner, Keyed(), Keyed(), new NoiseRemoteIdentity(Remote.PublicKey, Remote.PeerId, null));

    private static CipherState Keyed()
    {
        var cipher = new CipherState();
        cipher.InitializeKey(Key);
        return cipher;
    }
}
