using Cerebrum.Core.Common;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Market.Storage;
using Cerebrum.Tests.Daemon;
using LiteDB;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.Common;

/// <summary>
/// A damaged LiteDB header surfaced as LiteDB's own exceptions (ArgumentException "Invalid LCID code" for the collation):
/// every store now reports it as <see cref="StoreDamagedException"/> naming the file.
/// </summary>
[TestFixture]
public sealed class LiteDatabaseFileTests
{
    [Test]
    public void ADamagedHeader_IsAStoreDamagedException_NamingTheFile()
    {
        using var directory = TemporaryDirectory.Create();
        var path = DamagedFile(directory.Path, "some.db");

        var e = Assert.Throws<StoreDamagedException>(() => LiteDatabaseFile.Open(path))!;

        Assert.That(e.Path, Is.EqualTo(path));
        Assert.That(e.Message, Does.StartWith($"{path} is damaged"));
        Assert.That(e, Is.InstanceOf<IOException>(), "callers that report I/O errors report it too");
    }

    [Test]
    public void TheGatewaysKeysAndTheMarketsStore_ReportADamagedFileAsSuch()
    {
        using var directory = TemporaryDirectory.Create();
        DamagedFile(directory.Path, ApiKeyStore.FileName);
        DamagedFile(directory.Path, MarketStore.FileName);

        Assert.That(() => new ApiKeyStore(directory.Path), Throws.InstanceOf<StoreDamagedException>());
        Assert.That(() => MarketStore.Open(directory.Path, NullLogger.Instance), Throws.InstanceOf<StoreDamagedException>());
    }

    private static string DamagedFile(string directory, string name)
    {
        var path = Path.Combine(directory, name);
        using (var database = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }))
            database.GetCollection("c").Insert(new BsonDocument { ["_id"] = 1 });
        var bytes = File.ReadAllBytes(path);
        bytes.AsSpan(80, 4).Fill(0x7F); // LiteDB 5's header: the collation's LCID
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
