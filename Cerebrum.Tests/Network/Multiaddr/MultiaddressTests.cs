using System.Net;
using System.Net.Sockets;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Tests.Network.Multiaddr;

public class MultiaddressTests
{
    // Peer IDs from the libp2p peer-ids spec examples.
    private const string Sha256PeerId = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N";
    private const string Sha256PeerIdAsCid = "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe";
    private const string Ed25519PeerId = "12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA";

    // Text and binary pairs. The first comes from multiformats/multiaddr test/multiaddr.feature; the others
    // were encoded independently (a short Python script following protocols.csv), not with this code.
    private static readonly (string Text, string Hex)[] Vectors =
    [
        ("/ip4/192.0.2.42/tcp/443", "04c000022a0601bb"),
        ("/ip6/2001:db8::1/tcp/4001", "2920010db8000000000000000000000001060fa1"),
        ("/dns4/example.com/tcp/443", "360b6578616d706c652e636f6d0601bb"),
        ("/dns/node.cerebrum.example/tcp/4001", "35156e6f64652e636572656272756d2e6578616d706c65060fa1"),
        ("/dns6/v6.example.org/tcp/80", "370e76362e6578616d706c652e6f7267060050"),
        ("/ip4/127.0.0.1/tcp/4001/p2p/" + Sha256PeerId,
            "047f000001060fa1a5032212209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9"),
        ("/ip4/1.2.3.4/udp/4001/quic-v1", "040102030491020fa1cd03"),
        ("/ip4/1.2.3.4/udp/4001/quic", "040102030491020fa1cc03"),
        ("/dns4/relay.example.com/tcp/443/wss/p2p/" + Ed25519PeerId + "/p2p-circuit",
            "361172656c61792e6578616d706c652e636f6d0601bbde03a503260024080112202ffa35a99d3a3cfbb17bb7c1dc5561b18a8dcca4df38dc613ea859c37eb1336ba202"),
        ("/ip4/1.2.3.4/tcp/80/ws", "0401020304060050dd03"),
        ("/ip6/::1/udp/9000/quic-v1/webtransport/certhash/uEiAGKYQy6AZrKeIiO8wjqpUEtWrlCPq_NDVQiGm5wxkOIg",
            "290000000000000000000000000000000191022328cd03d103d20322122006298432e8066b29e2223bcc23aa9504b56ae508fabf3435508869b9c3190e22"),
        ("/dnsaddr/bootstrap.libp2p.io/p2p/" + Sha256PeerId,
            "3813626f6f7473747261702e6c69627032702e696fa5032212209dff3b17d74cf4d38a50d8b6383e92d181a10395a5e73a726dcccbd21bf6f0b9"),
        ("/ip6zone/eth0/ip6/fe80::1/tcp/1", "2a046574683029fe800000000000000000000000000001060001"),
        ("/ip4/10.0.0.1/tcp/0/tls/sni/example.com/http", "040a000001060000c003c1030b6578616d706c652e636f6de003"),
        ("/ip4/10.0.0.1/tcp/65535/noise", "040a00000106ffffc603"),
        ("/ip4/1.2.3.4/udp/1/webrtc-direct", "0401020304910200019802"),
    ];

    private static IEnumerable<TestCaseData> VectorCases() =>
        Vectors.Select(v => new TestCaseData(v.Text, v.Hex).SetArgDisplayNames(v.Text));

    [TestCaseSource(nameof(VectorCases))]
    public void Parse_GivesTheExpectedBytes(string text, string hex)
    {
        Assert.That(Convert.ToHexStringLower(Multiaddress.Parse(text).ToBytes()), Is.EqualTo(hex));
    }

    [TestCaseSource(nameof(VectorCases))]
    public void FromBytes_GivesTheCanonicalText(string text, string hex)
    {
        Assert.That(Multiaddress.FromBytes(Convert.FromHexString(hex)).ToString(), Is.EqualTo(text));
    }

    [TestCaseSource(nameof(VectorCases))]
    public void TextAndBinaryFormsAreEqual(string text, string hex)
    {
        var fromText = Multiaddress.Parse(text);
        var fromBytes = Multiaddress.FromBytes(Convert.FromHexString(hex));
        Assert.That(fromText, Is.EqualTo(fromBytes));
        Assert.That(fromText.GetHashCode(), Is.EqualTo(fromBytes.GetHashCode()));
        Assert.That(fromText == fromBytes, Is.True);
    }

    [Test]
    public void Components_ExposeCodeNameTextAndBytes()
    {
        var addr = Multiaddress.Parse("/ip4/192.0.2.42/tcp/443/ws");

        Assert.That(addr.Components.Select(c => c.Code), Is.EqualTo(new[] { 4, 6, 477 }));
        Assert.That(addr.Components.Select(c => c.Name), Is.EqualTo(new[] { "ip4", "tcp", "ws" }));
        Assert.That(addr.Components.Select(c => c.Value), Is.EqualTo(new[] { "192.0.2.42", "443", null }));
        Assert.That(addr.Components[0].ValueBytes.ToArray(), Is.EqualTo(new byte[] { 192, 0, 2, 42 }));
        Assert.That(addr.Components[1].ValueBytes.ToArray(), Is.EqualTo(new byte[] { 0x01, 0xbb }));
        Assert.That(addr.Components[2].ValueBytes.IsEmpty, Is.True);
    }

    [Test]
    public void Parse_LegacyIpfsIsPrintedAsP2p()
    {
        var addr = Multiaddress.Parse("/ip4/127.0.0.1/tcp/4001/ipfs/" + Sha256PeerId);
        Assert.That(addr.ToString(), Is.EqualTo("/ip4/127.0.0.1/tcp/4001/p2p/" + Sha256PeerId));
        Assert.That(addr, Is.EqualTo(Multiaddress.Parse("/ip4/127.0.0.1/tcp/4001/p2p/" + Sha256PeerId)));
    }

    [Test]
    public void Parse_CidPeerIdIsPrintedAsBase58()
    {
        var addr = Multiaddress.Parse("/ip4/127.0.0.1/tcp/4001/p2p/" + Sha256PeerIdAsCid);
        Assert.That(addr.ToString(), Is.EqualTo("/ip4/127.0.0.1/tcp/4001/p2p/" + Sha256PeerId));
    }

    [Test]
    public void Parse_ToleratesOneTrailingSlash()
    {
        Assert.That(Multiaddress.Parse("/ip4/1.2.3.4/tcp/5/").ToString(), Is.EqualTo("/ip4/1.2.3.4/tcp/5"));
    }

    [TestCase("/ip6/2001:0DB8:0:0:0:0:0:1/tcp/1", "/ip6/2001:db8::1/tcp/1")]
    [TestCase("/ip6/::ffff:1.2.3.4/tcp/1", "/ip6/::ffff:1.2.3.4/tcp/1")]
    [TestCase("/tcp/00080", "/tcp/80")]
    [TestCase("/ip6/::1/udp/1/quic-v1/webtransport/certhash/zQmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N",
        "/ip6/::1/udp/1/quic-v1/webtransport/certhash/uEiCd_zsX10z004pQ2LY4PpLRgaEDlaXnOnJtzMvSG_bwuQ")]
    public void Parse_NormalisesToCanonicalText(string input, string canonical)
    {
        Assert.That(Multiaddress.Parse(input).ToString(), Is.EqualTo(canonical));
    }

    [Test]
    public void CertHash_OtherMultibasesDecodeToTheSameBytes()
    {
        var base64Url = Multiaddress.Parse("/certhash/uEiAGKYQy6AZrKeIiO8wjqpUEtWrlCPq_NDVQiGm5wxkOIg");
        var hex = Multiaddress.Parse("/certhash/f122006298432e8066b29e2223bcc23aa9504b56ae508fabf3435508869b9c3190e22");
        Assert.That(hex, Is.EqualTo(base64Url));
        Assert.That(hex.ToString(), Is.EqualTo(base64Url.ToString()));
    }

    [TestCase("", "empty string")]
    [TestCase("/", "empty protocol name")]
    [TestCase("ip4/1.2.3.4", "must start with '/'")]
    [TestCase("/ip4/1.2.3.4//tcp/1", "empty protocol name")]
    [TestCase("/ip5/1.2.3.4", "unknown protocol 'ip5'")]
    [TestCase("/ip4", "/ip4 needs a value")]
    [TestCase("/ip4/1.2.3.4/tcp", "/tcp needs a value")]
    [TestCase("/ip4/1.2.3", "invalid IPv4 address '1.2.3'")]
    [TestCase("/ip4/1.2.3.256", "256 is larger than 255")]
    [TestCase("/ip4/1.2.3.04", "bad part '04'")]
    [TestCase("/ip4/1.2.3.x", "bad part 'x'")]
    [TestCase("/ip4/::1", "invalid IPv4 address '::1'")]
    [TestCase("/ip6/1.2.3.4", "invalid IPv6 address '1.2.3.4'")]
    [TestCase("/ip6/fe80::1%eth0", "invalid IPv6 address 'fe80::1%eth0'")]
    [TestCase("/ip6/2001:db8:::1", "invalid IPv6 address")]
    [TestCase("/ip4/1.2.3.4/tcp/65536", "invalid port '65536'")]
    [TestCase("/ip4/1.2.3.4/tcp/-1", "invalid port '-1'")]
    [TestCase("/ip4/1.2.3.4/udp/http", "invalid port 'http'")]
    [TestCase("/dns4//tcp/1", "/dns4: name is empty")]
    [TestCase("/dns4/exa mple.com", "whitespace")]
    [TestCase("/p2p/QmNotAPeerId0", "/p2p: invalid peer ID")]
    [TestCase("/p2p/xyz", "/p2p: invalid peer ID 'xyz'")]
    [TestCase("/certhash/uAAAA", "/certhash")]
    [TestCase("/certhash/q123", "unsupported multibase prefix 'q'")]
    [TestCase("/ws/extra", "unknown protocol 'extra'")]
    public void Parse_RejectsBadInputNamingTheProblem(string text, string expected)
    {
        var e = Assert.Throws<FormatException>(() => Multiaddress.Parse(text));
        Assert.That(e!.Message, Does.Contain(expected));
        Assert.That(Multiaddress.TryParse(text, out var addr, out var error), Is.False);
        Assert.That(addr, Is.Null);
        Assert.That(error, Is.EqualTo(e.Message));
    }

    [Test]
    public void Parse_RejectsOverlongDomainNames()
    {
        var e = Assert.Throws<FormatException>(() => Multiaddress.Parse("/dns/" + new string('a', 256)));
        Assert.That(e!.Message, Does.Contain("longer than 255 bytes"));
    }

    [Test]
    public void TryParse_NullIsAnError()
    {
        Assert.That(Multiaddress.TryParse(null, out var addr, out var error), Is.False);
        Assert.That(addr, Is.Null);
        Assert.That(error, Does.Contain("empty"));
    }

    [Test]
    public void TryParse_SuccessHasNoError()
    {
        Assert.That(Multiaddress.TryParse("/ip4/1.2.3.4/tcp/1", out var addr, out var error), Is.True);
        Assert.That(addr!.ToString(), Is.EqualTo("/ip4/1.2.3.4/tcp/1"));
        Assert.That(error, Is.Null);
    }

    [TestCase("", "empty")]
    [TestCase("ff03", "unknown protocol code 511")]
    [TestCase("8001", "unknown protocol code 128")]
    [TestCase("e807", "unknown protocol code 1000")]
    [TestCase("0401020304058001", "offset 5: unknown protocol code 5")]
    [TestCase("8000", "minimally")]
    [TestCase("80", "truncated varint")]
    [TestCase("040102", "/ip4 needs a 4-byte value but only 2 bytes remain")]
    [TestCase("06ff", "/tcp needs a 2-byte value")]
    [TestCase("360a61", "/dns4 declares a 10-byte value but only 1 bytes remain")]
    [TestCase("3600", "/dns4: name is empty")]
    [TestCase("36036162ff", "not valid UTF-8")]
    [TestCase("3603612f62", "contains '/'")]
    [TestCase("a50302abcd", "/p2p")]
    [TestCase("a50303110100", "unsupported multihash code 0x11")]
    [TestCase("d2030112", "/certhash: certificate hash is not a valid multihash")]
    public void FromBytes_RejectsBadInputNamingTheProblem(string hex, string expected)
    {
        var e = Assert.Throws<FormatException>(() => Multiaddress.FromBytes(Convert.FromHexString(hex)));
        Assert.That(e!.Message, Does.Contain(expected));
    }

    [Test]
    public void ToBytes_ReturnsACopy()
    {
        var addr = Multiaddress.Parse("/ip4/1.2.3.4/tcp/1");
        addr.ToBytes()[0] = 0xff;
        Assert.That(addr.ToBytes()[0], Is.EqualTo(4));
    }

    [Test]
    public void Equality_DifferentAddressesDiffer()
    {
        var a = Multiaddress.Parse("/ip4/1.2.3.4/tcp/1");
        var b = Multiaddress.Parse("/ip4/1.2.3.4/udp/1");
        Assert.That(a, Is.Not.EqualTo(b));
        Assert.That(a != b, Is.True);
        Assert.That(a.Equals(null), Is.False);
    }

    [Test]
    public void PeerId_ComesFromTheTrailingP2p()
    {
        var addr = Multiaddress.Parse("/ip4/1.2.3.4/tcp/1/p2p/" + Ed25519PeerId);
        Assert.That(addr.PeerId, Is.EqualTo(PeerId.Parse(Ed25519PeerId)));
        Assert.That(Multiaddress.Parse("/ip4/1.2.3.4/tcp/1").PeerId, Is.Null);
        // A relay's ID followed by /p2p-circuit is not the address's own peer ID.
        Assert.That(Multiaddress.Parse("/ip4/1.2.3.4/tcp/1/p2p/" + Ed25519PeerId + "/p2p-circuit").PeerId, Is.Null);
    }

    [Test]
    public void WithoutPeerId_StripsOnlyATrailingP2p()
    {
        var bare = Multiaddress.Parse("/ip4/1.2.3.4/tcp/1");
        Assert.That(Multiaddress.Parse("/ip4/1.2.3.4/tcp/1/p2p/" + Ed25519PeerId).WithoutPeerId(), Is.EqualTo(bare));
        Assert.That(bare.WithoutPeerId(), Is.SameAs(bare));
        Assert.That(() => Multiaddress.Parse("/p2p/" + Ed25519PeerId).WithoutPeerId(), Throws.InvalidOperationException);
    }

    [Test]
    public void WithPeerId_AppendsOrReplaces()
    {
        var id = PeerId.Parse(Ed25519PeerId);
        var other = PeerId.Parse(Sha256PeerId);
        var bare = Multiaddress.Parse("/ip4/1.2.3.4/tcp/1");

        var withId = bare.WithPeerId(id);
        Assert.That(withId.ToString(), Is.EqualTo("/ip4/1.2.3.4/tcp/1/p2p/" + Ed25519PeerId));
        Assert.That(withId, Is.EqualTo(Multiaddress.Parse("/ip4/1.2.3.4/tcp/1/p2p/" + Ed25519PeerId)));
        Assert.That(withId.WithPeerId(other).ToString(), Is.EqualTo("/ip4/1.2.3.4/tcp/1/p2p/" + Sha256PeerId));
        Assert.That(bare.ToString(), Is.EqualTo("/ip4/1.2.3.4/tcp/1"));
    }

    [Test]
    public void FromEndPoint_Ipv4()
    {
        var addr = Multiaddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.42"), 443));
        Assert.That(addr.ToString(), Is.EqualTo("/ip4/192.0.2.42/tcp/443"));
        Assert.That(Convert.ToHexStringLower(addr.ToBytes()), Is.EqualTo("04c000022a0601bb"));
    }

    [Test]
    public void FromEndPoint_Ipv6()
    {
        Assert.That(Multiaddress.FromEndPoint(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 4001)).ToString(),
            Is.EqualTo("/ip6/2001:db8::1/tcp/4001"));
    }

    [Test]
    public void FromEndPoint_Ipv4MappedBecomesIp4()
    {
        var mapped = IPAddress.Parse("10.1.2.3").MapToIPv6();
        Assert.That(Multiaddress.FromEndPoint(new IPEndPoint(mapped, 80)).ToString(), Is.EqualTo("/ip4/10.1.2.3/tcp/80"));
    }

    [Test]
    public void FromEndPoint_ScopedIpv6GetsAZone()
    {
        var address = IPAddress.Parse("fe80::1");
        address.ScopeId = 3;
        var addr = Multiaddress.FromEndPoint(new IPEndPoint(address, 7));
        Assert.That(addr.ToString(), Is.EqualTo("/ip6zone/3/ip6/fe80::1/tcp/7"));
        Assert.That(addr.TryGetTcpEndpoint(out var host, out var port, out var family, out _), Is.True);
        Assert.That((host, port, family), Is.EqualTo(("fe80::1%3", 7, AddressFamily.InterNetworkV6)));
    }

    [TestCase("/ip4/192.0.2.42/tcp/443", "192.0.2.42", 443, AddressFamily.InterNetwork, false)]
    [TestCase("/ip6/2001:db8::1/tcp/0", "2001:db8::1", 0, AddressFamily.InterNetworkV6, false)]
    [TestCase("/dns/example.com/tcp/65535", "example.com", 65535, AddressFamily.Unspecified, true)]
    [TestCase("/dns4/example.com/tcp/1", "example.com", 1, AddressFamily.InterNetwork, true)]
    [TestCase("/dns6/example.com/tcp/2/p2p/" + Ed25519PeerId, "example.com", 2, AddressFamily.InterNetworkV6, true)]
    public void TryGetTcpEndpoint_Accepts(string text, string expectedHost, int expectedPort, AddressFamily expectedFamily, bool expectedDns)
    {
        Assert.That(Multiaddress.Parse(text).TryGetTcpEndpoint(out var host, out var port, out var family, out var isDns), Is.True);
        Assert.That(host, Is.EqualTo(expectedHost));
        Assert.That(port, Is.EqualTo(expectedPort));
        Assert.That(family, Is.EqualTo(expectedFamily));
        Assert.That(isDns, Is.EqualTo(expectedDns));
    }

    [TestCase("/ip4/1.2.3.4/udp/1")]
    [TestCase("/ip4/1.2.3.4/tcp/1/ws")]
    [TestCase("/ip4/1.2.3.4")]
    [TestCase("/tcp/1")]
    [TestCase("/dnsaddr/bootstrap.libp2p.io/tcp/1")]
    [TestCase("/ip4/1.2.3.4/tcp/1/p2p/" + Ed25519PeerId + "/p2p-circuit")]
    [TestCase("/ip4/1.2.3.4/tcp/1/ip4/1.2.3.4/tcp/1")]
    [TestCase("/p2p/" + Ed25519PeerId)]
    public void TryGetTcpEndpoint_RejectsOtherShapes(string text)
    {
        Assert.That(Multiaddress.Parse(text).TryGetTcpEndpoint(out _, out _, out _, out _), Is.False);
    }

    [Test]
    public void KnownProtocols_HaveUniqueCodesAndNames()
    {
        var known = MultiaddressProtocol.Known;
        Assert.That(known.Select(p => p.Code), Is.Unique);
        Assert.That(known.Select(p => p.Name), Is.Unique);
        Assert.That(MultiaddressProtocol.FromName("ipfs"), Is.SameAs(MultiaddressProtocol.P2p));
        Assert.That(MultiaddressProtocol.FromCode(421), Is.SameAs(MultiaddressProtocol.P2p));
        Assert.That(MultiaddressProtocol.FromCode(999), Is.Null);
    }
}
