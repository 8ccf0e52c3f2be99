using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;

namespace Cerebrum.Tests.TestSupport;

/// <summary>Creates started hosts on loopback ephemeral ports.</summary>
public static class TestHosts
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<Host> StartAsync(KeyType keyType = KeyType.Secp256k1, Func<HostOptions, HostOptions>? configure = null, string listen = "/ip4/127.0.0.1/tcp/0")
    {
        var options = new HostOptions
        {
            Identity = PrivateKey.Generate(keyType),
            ListenAddresses = [Multiaddress.Parse(listen)],
            AgentVersion = "cerebrum-test/1.0",
            DialBackoffBase = TimeSpan.Zero,
            DialBackoffMax = TimeSpan.Zero,
        };
        var host = new Host(configure is null ? options : configure(options));
        await host.StartAsync();
        return host;
    }

    public static Multiaddress AddressOf(Host host) => host.ListenAddresses[0].WithPeerId(host.PeerId);
}
