using Cerebrum.Core.Network;
using Cerebrum.Core.Network.NameResolution;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.AutoNat;
using Cerebrum.Core.Network.Protocols.Dcutr;
using Cerebrum.Core.Network.Protocols.Kademlia;
using Cerebrum.Core.Network.Protocols.Relay;
using Cerebrum.Daemon.Configuration;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Daemon.Network;

/// <summary>
/// The daemon's reachability, wired from the "Network" section: AutoNAT (serving dial-backs, and learning whether we
/// are public), circuit relay v2 (relaying for others when <see cref="NetworkOptions.Relay"/>, and reserving on relays
/// while private), DCUtR (moving relayed connections to direct ones) and the Kademlia DHT (peer routing, model
/// providers). While private the daemon reserves on relays and, in <c>auto</c> DHT mode, stops serving the DHT (peers
/// could not reach it to ask).
/// </summary>
public sealed class ReachabilityServices
{
    private readonly NetworkOptions _options;
    private readonly ILogger _logger;

    public ReachabilityServices(PeerHost host, NetworkOptions options, bool relayByDefault, bool seed, ILoggerFactory loggerFactory)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger<ReachabilityServices>();
        var allowPrivate = options.AllowPrivateAddresses;
        Relay = new RelayService(host, new RelayServiceOptions
        {
            EnableHop = options.Relay ?? relayByDefault,
            Hop = seed ? new RelayServerOptions { MaxReservations = 4096, MaxCircuits = 1024 } : new RelayServerOptions(),
            StaticRelays = [.. options.StaticRelays.Select(Multiaddress.Parse)],
        }, loggerFactory.CreateLogger<RelayService>());
        AutoNat = new AutoNatService(host, new AutoNatServiceOptions
        {
            Server = new AutoNatServerOptions { AllowNonPublicAddresses = allowPrivate },
            // Network:Reachability public or private is the operator's word: nobody need be asked (see Status).
            EnableClient = options.Reachability == "auto",
        }, loggerFactory.CreateLogger<AutoNatService>());
        HolePunch = new HolePunchService(host, new HolePunchServiceOptions
        {
            Punch = new HolePunchOptions { AllowNonPublicAddresses = allowPrivate },
        }, loggerFactory.CreateLogger<HolePunchService>());
        Dht = new KademliaService(host, new KademliaServiceOptions { Server = options.Dht != "client" && options.Reachability != "private" },
            loggerFactory.CreateLogger<KademliaService>());
        Dnsaddr = new DnsaddrResolver(new DnsClient());
        host.AddService(Relay);
        host.AddService(AutoNat);
        host.AddService(HolePunch);
        host.AddService(Dht);
        AutoNat.ReachabilityChanged += OnReachabilityChanged;
        if (options.Reachability == "private")
            Relay.ReservationsWanted = true;
    }

    public RelayService Relay { get; }

    public AutoNatService AutoNat { get; }

    public HolePunchService HolePunch { get; }

    public KademliaService Dht { get; }

    public DnsaddrResolver Dnsaddr { get; }

    /// <summary>What this daemon is: the operator's word when configured, else AutoNAT's (<c>public</c>, <c>private</c>, <c>unknown</c>).</summary>
    public string Status => _options.Reachability switch
    {
        "public" => "public",
        "private" => "private",
        _ => AutoNat.Reachability switch
        {
            Reachability.Public => "public",
            Reachability.Private => "private",
            _ => "unknown",
        },
    };

    private void OnReachabilityChanged(Reachability reachability)
    {
        if (_options.Reachability != "auto")
            return;
        Relay.ReservationsWanted = reachability == Reachability.Private;
        if (_options.Dht == "auto")
            Dht.ServeRequests = reachability != Reachability.Private;
        _logger.LogInformation("Reachability {Reachability}: {Relays}", reachability,
            reachability == Reachability.Private ? "reserving on relays and announcing circuit addresses" : "announcing direct addresses");
    }
}
