namespace Cerebrum.Daemon.Configuration;

/// <summary>The "Network" section: where the libp2p host listens and whom it dials at start.</summary>
public sealed record NetworkOptions
{
    /// <summary>Multiaddresses to listen on; port 0 picks a free port. Empty means "use the defaults".</summary>
    public IReadOnlyList<string> ListenAddresses { get; init; } = [];

    /// <summary>
    /// What to tell peers instead of the listen addresses, e.g. /ip4/203.0.113.7/tcp/4001 or /dns4/node.example/tcp/4001
    /// behind a NAT or in a container with a published port. Empty: the listen addresses, wildcards expanded.
    /// </summary>
    public IReadOnlyList<string> AnnounceAddresses { get; init; } = [];

    /// <summary>Seed peers dialled at start, each a multiaddress ending in <c>/p2p/&lt;peer-id&gt;</c> so that its identity is checked.</summary>
    public IReadOnlyList<string> BootstrapPeers { get; init; } = [];

    /// <summary>Upper bound on one dial: TCP connect plus the Noise and Yamux handshakes.</summary>
    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// After a failed dial the same target is not dialled again for this long, doubling per consecutive failure up to
    /// <see cref="DialBackoffMax"/>. Bootstrap peers are re-dialled on the same schedule.
    /// </summary>
    public TimeSpan DialBackoffBase { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Cap on the dial backoff.</summary>
    public TimeSpan DialBackoffMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether and for whom /perf/1.0.0 is served (off by default).</summary>
    public PerfServingOptions Perf { get; init; } = new();

    /// <summary>The resource manager's limits on connections, streams and memory (defaults scaled from the machine's memory).</summary>
    public NetworkResourceOptions Resources { get; init; } = new();

    /// <summary>
    /// Carry circuits for peers behind NAT (circuit relay v2 hop, within the relay's reservation limits). Null: on in the
    /// seed and validator modes, off otherwise.
    /// </summary>
    public bool? Relay { get; init; }

    /// <summary>Relays to reserve on first while private, each ending in <c>/p2p/&lt;peer-id&gt;</c>; connected peers that relay come after.</summary>
    public IReadOnlyList<string> StaticRelays { get; init; } = [];

    /// <summary>
    /// Whether this daemon is reachable from outside: <c>auto</c> asks peers (AutoNAT), <c>public</c> and <c>private</c>
    /// say so (private reserves on relays at once, e.g. behind a NAT known to be closed).
    /// </summary>
    public string Reachability { get; init; } = "auto";

    /// <summary>
    /// Serve the DHT (store provider records, answer lookups): <c>auto</c> (servers unless found private), <c>server</c>,
    /// or <c>client</c> (only look up and announce).
    /// </summary>
    public string Dht { get; init; } = "auto";

    /// <summary>
    /// Treat private and loopback IPs as dialable for AutoNAT dial-backs and hole punching: a LAN or test network with
    /// NATs of its own. Off on the internet, where such addresses name somebody else's machine.
    /// </summary>
    public bool AllowPrivateAddresses { get; init; }

    /// <summary>
    /// A named network (<see cref="NetworkPreset"/>: devnet, testnet): its seeds when <see cref="BootstrapPeers"/> is empty,
    /// and the chain ID the genesis file must carry. Null: no preset.
    /// </summary>
    public string? Preset { get; init; }

    public static IReadOnlyList<string> ReachabilityValues { get; } = ["auto", "public", "private"];

    public static IReadOnlyList<string> DhtValues { get; } = ["auto", "server", "client"];

    /// <summary>What a fresh config.json listens on: every IPv4 interface (and IPv6 where the OS has it) on libp2p's customary port 4001.</summary>
    public static IReadOnlyList<string> DefaultListenAddresses { get; } = System.Net.Sockets.Socket.OSSupportsIPv6
        ? ["/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001"]
        : ["/ip4/0.0.0.0/tcp/4001"];
}
