using Cerebrum.Core.Network.Multiaddr;
using System.Net;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Addressing;

namespace Cerebrum.Tests.Network.Addressing;

[TestFixture]
public sealed class AddressScopeTests
{
    [TestCase("8.8.8.8", true)]
    [TestCase("1.1.1.1", true)]
    [TestCase("100.63.255.255", true)]
    [TestCase("10.1.2.3", false)]
    [TestCase("172.16.0.1", false)]
    [TestCase("172.31.255.255", false)]
    [TestCase("172.32.0.1", true)]
    [TestCase("192.168.0.1", false)]
    [TestCase("100.64.0.1", false)]
    [TestCase("127.0.0.1", false)]
    [TestCase("169.254.1.1", false)]
    [TestCase("0.0.0.0", false)]
    [TestCase("203.0.113.7", false)]
    [TestCase("224.0.0.1", false)]
    [TestCase("255.255.255.255", false)]
    [TestCase("2606:4700::1111", true)]
    [TestCase("::1", false)]
    [TestCase("::", false)]
    [TestCase("fe80::1", false)]
    [TestCase("fd00::1", false)]
    [TestCase("2001:db8::1", false)]
    [TestCase("ff02::1", false)]
    [TestCase("::ffff:8.8.8.8", true)]
    [TestCase("::ffff:192.168.1.1", false)]
    [TestCase("64:ff9b::808:808", true)]
    [TestCase("64:ff9b::a00:1", false)]
    public void IsPublic_FollowsTheSpecialPurposeRegistries(string ip, bool expected) =>
        Assert.That(AddressScope.IsPublic(IPAddress.Parse(ip)), Is.EqualTo(expected));

    [Test]
    public void Addresses_AreClassified()
    {
        Assert.That(AddressScope.IpOf(Multiaddress.Parse("/ip4/8.8.8.8/tcp/1")), Is.EqualTo(IPAddress.Parse("8.8.8.8")));
        Assert.That(AddressScope.IpOf(Multiaddress.Parse("/dns4/example.com/tcp/1")), Is.Null);
        Assert.That(AddressScope.IsDirectTcp(Multiaddress.Parse("/ip4/8.8.8.8/tcp/1")), Is.True);
        Assert.That(AddressScope.IsDirectTcp(Multiaddress.Parse("/ip4/8.8.8.8/udp/1/quic-v1")), Is.False);
        var relayed = Multiaddress.Parse("/ip4/8.8.8.8/tcp/1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA/p2p-circuit");
        Assert.That(AddressScope.IsRelayed(relayed), Is.True);
        Assert.That(AddressScope.IsDirectTcp(relayed), Is.False);
        Assert.That(AddressScope.HasPublicIp(Multiaddress.Parse("/ip4/192.168.1.1/tcp/1")), Is.False);
    }

    [Test]
    public void TheRateLimiter_CountsPerKeyPerWindow_AndBoundsItsKeys()
    {
        var start = DateTimeOffset.UnixEpoch;
        var limiter = new KeyedRateLimiter<string>(2, TimeSpan.FromMinutes(1), maxKeys: 2);

        Assert.That(limiter.TryAcquire("a", start), Is.True);
        Assert.That(limiter.TryAcquire("a", start), Is.True);
        Assert.That(limiter.TryAcquire("a", start), Is.False);
        Assert.That(limiter.TryAcquire("b", start), Is.True);
        Assert.That(limiter.TryAcquire("c", start), Is.False, "a third key in one window is refused");
        Assert.That(limiter.TryAcquire("a", start.AddMinutes(1)), Is.True);
        Assert.That(limiter.TryAcquire("c", start.AddMinutes(1)), Is.True);
    }
}
