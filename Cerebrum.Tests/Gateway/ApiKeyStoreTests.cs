using Cerebrum.Core.Gateway;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Gateway;

[TestFixture]
public sealed class ApiKeyStoreTests
{
    [Test]
    public void ACreatedKey_IsFound_StoredOnlyAsItsHash_AndSurvivesReopening()
    {
        using var directory = TemporaryDirectory.Create();
        string key;
        using (var store = new ApiKeyStore(directory.Path))
        {
            (key, var record) = store.Create("app", 5, DateTimeOffset.UtcNow);
            Assert.That(key, Does.StartWith(ApiKeyStore.KeyPrefix));
            Assert.That(record.HashHex, Is.EqualTo(ApiKeyStore.Hash(key)));
        }
        var bytes = File.ReadAllBytes(Path.Combine(directory.Path, ApiKeyStore.FileName));
        Assert.That(System.Text.Encoding.UTF8.GetString(bytes), Does.Not.Contain(key[ApiKeyStore.KeyPrefix.Length..]));

        using var reopened = new ApiKeyStore(directory.Path);
        Assert.That(reopened.Find(key)!.Name, Is.EqualTo("app"));
        Assert.That(reopened.Find(key)!.RatePerSecond, Is.EqualTo(5));
        Assert.That(reopened.Find(key + "x"), Is.Null);
        Assert.That(reopened.Find(""), Is.Null);
    }

    [Test]
    public void ARevokedKey_IsNoLongerFound_AndNamesAreUnique()
    {
        using var directory = TemporaryDirectory.Create();
        using var store = new ApiKeyStore(directory.Path);
        var (key, _) = store.Create("app", 0, DateTimeOffset.UtcNow);
        store.Create("other", 0, DateTimeOffset.UtcNow);

        Assert.Throws<ArgumentException>(() => store.Create("app", 0, DateTimeOffset.UtcNow));
        Assert.That(store.Revoke("app"), Is.True);
        Assert.That(store.Revoke("app"), Is.False);

        Assert.That(store.Find(key), Is.Null);
        Assert.That(store.List().Select(k => k.Name), Is.EqualTo(new[] { "other" }));
    }
}
