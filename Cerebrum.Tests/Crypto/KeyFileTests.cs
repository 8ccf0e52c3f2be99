using System.Runtime.Versioning;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Crypto;

[TestFixture]
public sealed class KeyFileTests
{
    private string _directory = null!;
    private string _path = null!;

    [SetUp]
    public void SetUp()
    {
        _directory = Directory.CreateTempSubdirectory("cerebrum-keyfile-").FullName;
        _path = Path.Combine(_directory, KeyFile.FileName);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Create_WritesASecp256k1KeyThatLoadsBackWithTheSamePeerId()
    {
        using var created = KeyFile.Create(_path);
        using var loaded = KeyFile.Load(_path);

        Assert.That(loaded.Type, Is.EqualTo(KeyType.Secp256k1));
        Assert.That(loaded.PeerId, Is.EqualTo(created.PeerId));
        Assert.That(File.ReadAllBytes(_path), Is.EqualTo(created.ToProtobuf()), "the file holds the raw PrivateKey protobuf");
    }

    [Test]
    [Platform(Exclude = "Win")]
    [UnsupportedOSPlatform("windows")]
    public void Create_MakesTheFileOwnerReadWriteOnly()
    {
        using var created = KeyFile.Create(_path);

        Assert.That(File.GetUnixFileMode(_path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public void Create_NeverOverwritesAnExistingKey()
    {
        using var first = KeyFile.Create(_path);
        var before = File.ReadAllBytes(_path);

        Assert.Throws<IOException>(() => KeyFile.Create(_path).Dispose());
        Assert.That(File.ReadAllBytes(_path), Is.EqualTo(before));
    }

    [Test]
    public void LoadOrCreate_CreatesOnceThenLoadsTheSameKey()
    {
        var (first, firstCreated) = KeyFile.LoadOrCreate(_path);
        var (second, secondCreated) = KeyFile.LoadOrCreate(_path);
        using (first)
        using (second)
        {
            Assert.That(firstCreated, Is.True);
            Assert.That(secondCreated, Is.False);
            Assert.That(second.PeerId, Is.EqualTo(first.PeerId));
        }
    }

    [Test]
    [Platform(Exclude = "Win")]
    [UnsupportedOSPlatform("windows")]
    public void Load_RefusesAKeyReadableByOthers()
    {
        KeyFile.Create(_path).Dispose();
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<InvalidDataException>(() => KeyFile.Load(_path).Dispose());
        Assert.That(error!.Message, Does.Contain("0644").And.Contain("chmod 600"));
    }

    [Test]
    [Platform(Exclude = "Win")]
    [UnsupportedOSPlatform("windows")]
    public void Load_RefusesAKeyReadableByItsGroup()
    {
        KeyFile.Create(_path).Dispose();
        File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        Assert.Throws<InvalidDataException>(() => KeyFile.Load(_path).Dispose());
    }

    [TestCase(new byte[] { })]
    [TestCase(new byte[] { 0x08, 0x02, 0x12, 0x20, 0x01 })]
    [TestCase(new byte[] { 0x08, 0x02, 0x12, 0x03, 0x01, 0x02, 0x03 })]
    [TestCase(new byte[] { 0x13, 0x37, 0xff })]
    public void Load_RefusesACorruptKeyWithAClearMessage(byte[] contents)
    {
        WriteOwnerOnly(contents);

        var error = Assert.Throws<InvalidDataException>(() => KeyFile.Load(_path).Dispose());
        Assert.That(error!.Message, Does.Contain("corrupt").And.Contain(_path));
    }

    [Test]
    public void Load_ReportsAMissingKey()
    {
        var error = Assert.Throws<FileNotFoundException>(() => KeyFile.Load(_path).Dispose());
        Assert.That(error!.Message, Does.Contain(_path));
    }

    [Test]
    public void WriteNewOwnerOnly_FailsWhenTheFileExists()
    {
        File.WriteAllText(_path, "existing");

        Assert.Throws<IOException>(() => KeyFile.WriteNewOwnerOnly(_path, "new"u8));
        Assert.That(File.ReadAllText(_path), Is.EqualTo("existing"));
    }

    private void WriteOwnerOnly(byte[] contents) => KeyFile.WriteNewOwnerOnly(_path, contents);
}
