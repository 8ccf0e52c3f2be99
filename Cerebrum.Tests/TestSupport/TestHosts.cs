using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;

namespace Cerebrum.Tests.TestSupport;

/// <summary>Creates started hosts on loopback ephemeral ports.</summary>
public static class TestHosts
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<PeerHost> StartAsync(KeyType keyType = KeyType.Secp256k1, Func<PeerHostOptions, PeerHostOptions>? configure = null, string listen = "/ip4/127.0.0.1/tcp/0")
    {
        var options = new PeerHostOptions
        {
            Identity = PrivateKey.Generate(keyType),
            ListenAddresses = [Multiaddress.Parse(listen)],
            AgentVersion = "cerebrum-test/1.0",
            DialBackoffBase = TimeSpan.Zero,
            DialBackoffMax = TimeSpan.Zero,
        };
        var host = new PeerHost(configure is null ? options : configure(options));
        await host.StartAsync();
        return host;
    }

    public static Multiaddress AddressOf(PeerHost host) => host.ListenAddresses[0].WithPeerId(host.PeerId);
}
