using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Multiaddr;

/// <summary>
/// Multiaddr decoding of hostile binary and text forms: an address that round-trips through both forms, or
/// <see cref="FormatException"/> (TryParse: false with an error), never another exception.
/// </summary>
public class MultiaddressFuzzTests
{
    private static readonly string Peer = PeerId.FromPublicKey(Fuzz.Key("multiaddress-fuzz-peer", KeyType.Ed25519).PublicKey).ToString();

    private static readonly string[] ValidText =
    [
        "/ip4/192.0.2.1/tcp/4001",
        "/ip6/2001:db8::1/udp/443/quic-v1/webtransport/certhash/uEiAGKYQy6AZrKeIiO8wjqpUEtWrlCPq_NDVQiGm5wxkOIg",
        "/ip6zone/eth0/ip6/fe80::1/tcp/1",
        "/dns4/example.com/tcp/443/wss/p2p/" + Peer,
        "/ip4/10.0.0.1/tcp/9/p2p/" + Peer + "/p2p-circuit/p2p/" + Peer,
        "/dnsaddr/bootstrap.example/ipcidr/24/sni/x.example/tls/http",
    ];

    private static readonly byte[][] ValidBytes = [.. ValidText.Select(t => Multiaddress.Parse(t).ToBytes())];

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void FromBytes_RoundTripsOrThrowsFormatException(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(2000); i++)
        {
            var input = mutator.Next(ValidBytes, 64);
            Multiaddress? addr = null;
            if (!Fuzz.CheckBounded("Multiaddress.FromBytes", seed, input, () => addr = Multiaddress.FromBytes(input), typeof(FormatException)))
                continue;
            var context = $"seed {seed}: 0x{Convert.ToHexStringLower(input)}";
            Assert.That(addr!.ToBytes(), Is.EqualTo(input), context);
            Assert.That(Multiaddress.Parse(addr.ToString()), Is.EqualTo(addr), context);
            Fuzz.Check("Multiaddress.TryGetTcpEndpoint", seed, input, () => addr.TryGetTcpEndpoint(out _, out _, out _, out _));
        }
    }

    [TestCaseSource(typeof(Fuzz), nameof(Fuzz.Seeds))]
    public void Parse_RoundTripsOrThrowsFormatException(int seed)
    {
        var mutator = new ByteMutator(new Random(seed));
        for (var i = 0; i < Fuzz.Iterations(2000); i++)
        {
            var text = mutator.MutateText(ValidText[mutator.Random.Next(ValidText.Length)]);
            var input = System.Text.Encoding.UTF8.GetBytes(text);
            Multiaddress? addr = null;
            var parsed = Fuzz.Check("Multiaddress.Parse", seed, input, () => addr = Multiaddress.Parse(text), typeof(FormatException));
            Assert.That(Multiaddress.TryParse(text, out _, out var error), Is.EqualTo(parsed), $"seed {seed}: '{text}'");
            if (!parsed)
            {
                Assert.That(error, Is.Not.Empty);
                continue;
            }
            Assert.That(Multiaddress.FromBytes(addr!.ToBytes()), Is.EqualTo(addr), $"seed {seed}: '{text}'");
            Assert.That(Multiaddress.Parse(addr.ToString()), Is.EqualTo(addr), $"seed {seed}: '{text}'");
        }
    }
}
