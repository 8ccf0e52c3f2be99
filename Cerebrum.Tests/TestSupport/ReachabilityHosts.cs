using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Relay;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cerebrum.Tests.TestSupport;

/// <summary>Started loopback hosts with the relay service (and the echo protocol), for the reachability services' tests.</summary>
internal static class ReachabilityHosts
{
    /// <param name="listen">False for a dial-only host: no TCP listener, so only relays can reach it.</param>
    public static async Task<(PeerHost Host, RelayService Relay)> StartWithRelayAsync(RelayServiceOptions options, bool listen = true,
        Func<PeerHostOptions, PeerHostOptions>? configure = null)
    {
        RelayService? relay = null;
        var host = await StartAsync(h => h.AddService(relay = new RelayService(h, options, NullLogger.Instance)), listen, configure);
        return (host, relay!);
    }

    /// <summary>A started loopback host with the echo protocol and the services <paramref name="addServices"/> adds before the start.</summary>
    /// <param name="listen">False for a dial-only host: no TCP listener, so only relays can reach it.</param>
    public static async Task<PeerHost> StartAsync(Action<PeerHost> addServices, bool listen = true, Func<PeerHostOptions, PeerHostOptions>? configure = null)
    {
        var hostOptions = new PeerHostOptions
        {
            Identity = PrivateKey.Generate(KeyType.Ed25519),
            ListenAddresses = listen ? [Multiaddress.Parse("/ip4/127.0.0.1/tcp/0")] : [],
            AgentVersion = "cerebrum-test/1.0",
            PingInterval = TimeSpan.Zero,
            DialBackoffBase = TimeSpan.Zero,
            DialBackoffMax = TimeSpan.Zero,
        };
        var host = new PeerHost(configure is null ? hostOptions : configure(hostOptions));
        try
        {
            addServices(host);
            host.SetHandler(EchoProtocol.Id, EchoProtocol.HandleAsync);
            await host.StartAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>The relayed address of <paramref name="target"/> through <paramref name="relay"/>.</summary>
    public static Multiaddress CircuitTo(PeerHost relay, PeerHost target) =>
        CircuitAddress.Through(TestHosts.AddressOf(relay)).WithPeerId(target.PeerId);
}
