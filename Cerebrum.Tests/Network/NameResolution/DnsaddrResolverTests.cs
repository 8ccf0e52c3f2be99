using Cerebrum.Core.Network.Multiaddr;
using System.Net;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.NameResolution;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.NameResolution;

/// <summary>/dnsaddr bootstrap addresses resolved through TXT records, by our DNS client against a DNS server in the test.</summary>
[TestFixture]
public sealed class DnsaddrResolverTests
{
    private static readonly PrivateKey SeedA = PrivateKey.Generate(KeyType.Ed25519);
    private static readonly PrivateKey SeedB = PrivateKey.Generate(KeyType.Ed25519);

    [OneTimeTearDown]
    public void DisposeKeys()
    {
        SeedA.Dispose();
        SeedB.Dispose();
    }

    private static DnsClient ClientOf(TestDnsServer server, int attempts = 2) =>
        new(new DnsClientOptions { Servers = [server.EndPoint], AttemptTimeout = TimeSpan.FromSeconds(2), Attempts = attempts });

    [Test]
    public async Task ABootstrapName_ResolvesToItsSeeds_ThroughNestedRecords_FilteredByPeer()
    {
        await using var dns = new TestDnsServer();
        dns.Txt["_dnsaddr.bootstrap.cerebrum.test"] = [$"dnsaddr=/dnsaddr/a.bootstrap.cerebrum.test/p2p/{SeedA.PeerId}", $"dnsaddr=/dnsaddr/b.bootstrap.cerebrum.test/p2p/{SeedB.PeerId}", "v=spf1 -all"];
        dns.Txt["_dnsaddr.a.bootstrap.cerebrum.test"] = [$"dnsaddr=/ip4/8.8.8.8/tcp/4001/p2p/{SeedA.PeerId}", $"dnsaddr=/dns4/a.cerebrum.test/tcp/4001/p2p/{SeedA.PeerId}", "dnsaddr=/bogus/1"];
        dns.Txt["_dnsaddr.b.bootstrap.cerebrum.test"] = [$"dnsaddr=/ip6/2606:4700::1/tcp/4001/p2p/{SeedB.PeerId}", $"dnsaddr=/ip4/9.9.9.9/tcp/4001/p2p/{SeedA.PeerId}"];
        var resolver = new DnsaddrResolver(ClientOf(dns));

        var all = await resolver.ResolveAsync(Multiaddress.Parse("/dnsaddr/bootstrap.cerebrum.test"));
        var onlyB = await resolver.ResolveAsync(Multiaddress.Parse($"/dnsaddr/b.bootstrap.cerebrum.test/p2p/{SeedB.PeerId}"));
        var plain = await resolver.ResolveAsync(Multiaddress.Parse("/ip4/1.2.3.4/tcp/1"));

        Assert.That(all.Select(a => a.ToString()), Is.EqualTo(new[]
        {
            $"/ip4/8.8.8.8/tcp/4001/p2p/{SeedA.PeerId}",
            $"/dns4/a.cerebrum.test/tcp/4001/p2p/{SeedA.PeerId}",
            $"/ip6/2606:4700::1/tcp/4001/p2p/{SeedB.PeerId}",
        }), "B's zone lists an address for A; the /p2p filter of the parent entry drops it");
        Assert.That(onlyB.Select(a => a.ToString()), Is.EqualTo(new[] { $"/ip6/2606:4700::1/tcp/4001/p2p/{SeedB.PeerId}" }));
        Assert.That(plain.Select(a => a.ToString()), Is.EqualTo(new[] { "/ip4/1.2.3.4/tcp/1" }));
    }

    [Test]
    public async Task ARecordLoop_IsCutOff()
    {
        await using var dns = new TestDnsServer();
        dns.Txt["_dnsaddr.loop.cerebrum.test"] = ["dnsaddr=/dnsaddr/loop.cerebrum.test"];
        var resolver = new DnsaddrResolver(ClientOf(dns));

        Assert.That(async () => await resolver.ResolveAsync(Multiaddress.Parse("/dnsaddr/loop.cerebrum.test")), Throws.TypeOf<DnsException>().With.Message.Contains("deeper"));
        Assert.That(dns.UdpQueries, Is.EqualTo(DnsaddrResolver.MaxDepth));
    }

    [Test]
    public async Task AnUnknownName_ResolvesToNothing()
    {
        await using var dns = new TestDnsServer();
        var resolver = new DnsaddrResolver(ClientOf(dns));

        Assert.That(await resolver.ResolveAsync(Multiaddress.Parse("/dnsaddr/nothing.cerebrum.test")), Is.Empty);
    }

    [Test]
    public async Task ATruncatedAnswer_IsAskedAgainOverTcp_AndLongRecordsAreJoined()
    {
        await using var dns = new TestDnsServer { TruncateUdp = true };
        var longRecord = "dnsaddr=/dns4/" + new string('a', 60) + "." + new string('b', 60) + "." + new string('c', 60) + "." + new string('d', 60) + ".test/tcp/4001/p2p/" + SeedA.PeerId;
        dns.Txt["_dnsaddr.big.cerebrum.test"] = [longRecord];
        var client = ClientOf(dns);

        var records = await client.QueryTxtAsync("_dnsaddr.big.cerebrum.test");

        Assert.That(longRecord.Length, Is.GreaterThan(255), "split into several character-strings on the wire");
        Assert.That(records, Is.EqualTo(new[] { longRecord }));
        Assert.That(dns.TcpQueries, Is.EqualTo(1));
    }

    [Test]
    public async Task AServerThatDoesNotAnswer_IsADnsException_AfterTheAttempts()
    {
        await using var dns = new TestDnsServer { Silent = true };
        var client = new DnsClient(new DnsClientOptions { Servers = [dns.EndPoint], AttemptTimeout = TimeSpan.FromMilliseconds(200), Attempts = 2 });

        Assert.That(async () => await client.QueryTxtAsync("_dnsaddr.x.cerebrum.test"), Throws.TypeOf<DnsException>().With.Message.Contains("no answer"));
        Assert.That(dns.UdpQueries, Is.EqualTo(2));
    }

    [Test]
    public void ResolvConf_ListsUpToThreeNameServers()
    {
        var servers = ResolvConf.Parse("# comment\nsearch example\nnameserver 10.0.0.1\nnameserver ::1\nnameserver bogus\nnameserver 1.1.1.1\nnameserver 8.8.8.8\n");

        Assert.That(servers, Is.EqualTo(new[] { new IPEndPoint(IPAddress.Parse("10.0.0.1"), 53), new IPEndPoint(IPAddress.IPv6Loopback, 53), new IPEndPoint(IPAddress.Parse("1.1.1.1"), 53) }));
    }
}
