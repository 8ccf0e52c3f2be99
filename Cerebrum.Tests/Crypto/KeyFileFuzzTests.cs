using Cerebrum.Core.Crypto;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Crypto;

/// <summary>The identity key file read from disk: <see cref="KeyFile.Load"/> yields a key or throws <see cref="InvalidDataException"/>.</summary>
[TestFixture]
public sealed class KeyFileFuzzTests
{
    private string _directory = null!;

    [SetUp]
    public void SetUp() => _directory = Directory.CreateTempSubdirectory("cerebrum-keyfile-fuzz-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Load_YieldsAKeyOrThrowsInvalidDataException(int seed)
    {
        using var secp = Fuzz.Key("key-file-fuzz-secp256k1", KeyType.Secp256k1);
        using var ed = Fuzz.Key("key-file-fuzz-ed25519", KeyType.Ed25519);
        byte[][] valid = [secp.ToProtobuf(), ed.ToProtobuf()];
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(150); i++)
        {
            var input = mutator.Next(valid, 80);
            var path = Path.Combine(_directory, $"{i}.key");
            KeyFile.WriteNewOwnerOnly(path, input);
            PrivateKey? key = null;
            Fuzz.Check("KeyFile.Load", seed, input, () => key = KeyFile.Load(path), typeof(InvalidDataException));
            key?.Dispose();
            File.Delete(path);
        }
    }
}
