using System.Net;
using Cerebrum.Core.Gateway;
using Cerebrum.Daemon.Cloud;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Cloud;

/// <summary>The self-service key endpoint's limits: names, keys per address per hour, keys in all, addresses remembered.</summary>
[TestFixture]
public sealed class CloudKeyIssuerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly IPAddress Visitor = IPAddress.Parse("203.0.113.7");

    [Test]
    public void A_key_gets_the_configured_limits_and_a_name_no_visitor_chooses_alone()
    {
        using var directory = TemporaryDirectory.Create();
        using var keys = new ApiKeyStore(directory.Path);
        var issuer = new CloudKeyIssuer(new GatewaySelfServiceOptions { Enabled = true, Budget = 777, RatePerSecond = 3 });
        var (key, record) = issuer.Create(keys, Visitor, " my-app ", Start);
        Assert.That(record.Name, Does.Match("^visitor-my-app-[0-9a-f]{6}$"));
        Assert.That((record.Budget, record.RatePerSecond), Is.EqualTo((777UL, 3d)));
        Assert.That(keys.Find(key), Is.EqualTo(record));
    }

    [TestCase(null, "give the key a name")]
    [TestCase("   ", "give the key a name")]
    [TestCase("two words", "is not a key name")]
    [TestCase("a-name-that-is-far-too-long-for-any-key-name", "is not a key name")]
    [TestCase("<script>", "is not a key name")]
    public void Bad_names_are_refused_with_a_message_and_cost_the_address_nothing(string? name, string message)
    {
        using var directory = TemporaryDirectory.Create();
        using var keys = new ApiKeyStore(directory.Path);
        var issuer = new CloudKeyIssuer(new GatewaySelfServiceOptions { Enabled = true, KeysPerIpPerHour = 1 });
        var error = Assert.Throws<GatewayException>(() => issuer.Create(keys, Visitor, name, Start))!;
        Assert.That((error.Kind, error.Message), Is.EqualTo((GatewayErrorKind.BadRequest, error.Message)));
        Assert.That(error.Message, Does.Contain(message));
        Assert.That(() => issuer.Create(keys, Visitor, "fine", Start), Throws.Nothing, "the address's one key of the hour is still there");
    }

    [Test]
    public void An_address_creates_its_keys_per_hour_then_waits_while_another_address_may_go_on()
    {
        using var directory = TemporaryDirectory.Create();
        using var keys = new ApiKeyStore(directory.Path);
        var issuer = new CloudKeyIssuer(new GatewaySelfServiceOptions { Enabled = true, KeysPerIpPerHour = 2 });
        issuer.Create(keys, Visitor, "a", Start);
        issuer.Create(keys, Visitor, "b", Start);
        var refused = Assert.Throws<GatewayException>(() => issuer.Create(keys, Visitor, "c", Start.AddMinutes(1)))!;
        Assert.That(refused.Kind, Is.EqualTo(GatewayErrorKind.RateLimited));
        Assert.That(refused.RetryAfter, Is.GreaterThan(TimeSpan.FromMinutes(20)).And.LessThanOrEqualTo(TimeSpan.FromMinutes(30)));
        // IPv4 over an IPv6 socket is the same address.
        Assert.Throws<GatewayException>(() => issuer.Create(keys, Visitor.MapToIPv6(), "d", Start.AddMinutes(1)));
        Assert.That(() => issuer.Create(keys, IPAddress.Parse("198.51.100.1"), "e", Start.AddMinutes(1)), Throws.Nothing);
        // Half an hour refills one of the two.
        Assert.That(() => issuer.Create(keys, Visitor, "f", Start.AddMinutes(31)), Throws.Nothing);
        Assert.That(keys.Count, Is.EqualTo(4));
    }

    [Test]
    public void The_gateway_stops_at_its_most_keys_and_at_its_most_addresses()
    {
        using var directory = TemporaryDirectory.Create();
        using var keys = new ApiKeyStore(directory.Path);
        keys.Create("operator", 0, Start);
        var issuer = new CloudKeyIssuer(new GatewaySelfServiceOptions { Enabled = true, MaxKeys = 3, TrackedAddresses = 2 });
        issuer.Create(keys, IPAddress.Parse("198.51.100.1"), "a", Start);
        issuer.Create(keys, IPAddress.Parse("198.51.100.2"), "b", Start);
        var full = Assert.Throws<GatewayException>(() => issuer.Create(keys, IPAddress.Parse("198.51.100.3"), "c", Start))!;
        Assert.That(full.Message, Does.Contain("holds its most keys (3)"));

        keys.Revoke("operator");
        // Two addresses remembered, both active within the hour: a third waits; an hour later the idle ones are forgotten.
        var busy = Assert.Throws<GatewayException>(() => issuer.Create(keys, IPAddress.Parse("198.51.100.3"), "c", Start.AddMinutes(5)))!;
        Assert.That(busy.Message, Does.Contain("too many visitors"));
        Assert.That(() => issuer.Create(keys, IPAddress.Parse("198.51.100.3"), "c", Start.AddHours(1)), Throws.Nothing);
    }
}
