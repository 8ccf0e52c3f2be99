using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Perf;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.Network.Yamux;

namespace Cerebrum.Core.Network;

/// <summary>Settings of a <see cref="PeerHost"/>; defaults follow the specs and common libp2p practice.</summary>
public sealed record PeerHostOptions
{
    /// <summary>The host's identity; its peer ID is derived from it.</summary>
    public required PrivateKey Identity { get; init; }

    /// <summary>Addresses to bind (port 0 = ephemeral). Empty = dial-only host.</summary>
    public IReadOnlyList<Multiaddress> ListenAddresses { get; init; } = [];

    /// <summary>
    /// Addresses to tell peers (identify, the signed peer record, a node's heartbeat) instead of the bound ones: the
    /// public address in front of a NAT or a container's published port. Empty: the bound addresses, wildcards expanded.
    /// </summary>
    public IReadOnlyList<Multiaddress> AnnounceAddresses { get; init; } = [];

    /// <summary>Sent in identify.</summary>
    public string AgentVersion { get; init; } = "cerebrum/0.1.0";

    /// <summary>Sent in identify; "ipfs/0.1.0" is what every libp2p implementation sends.</summary>
    public string ProtocolVersion { get; init; } = "ipfs/0.1.0";

    /// <summary>Hard cap on open connections (inbound beyond it are refused, dials fail).</summary>
    public int MaxConnections { get; init; } = 256;

    /// <summary>
    /// When a connection arrives with this many open and <see cref="PeerHost.PeerScorer"/> is set, the lowest-scored
    /// connections are closed down to <see cref="ConnectionLowWater"/> to make room. Null: <see cref="MaxConnections"/>.
    /// </summary>
    public int? ConnectionHighWater { get; init; }

    /// <summary>Where trimming stops. Null: 90% of the high watermark.</summary>
    public int? ConnectionLowWater { get; init; }

    /// <summary>
    /// Connections younger than this are not trimmed at the high watermark: a brand-new peer has had no time to earn a
    /// score, so it should not be the one dropped to make room. Zero: no grace.
    /// </summary>
    public TimeSpan TrimGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The effective high watermark.</summary>
    public int HighWater => ConnectionHighWater ?? MaxConnections;

    /// <summary>The effective low watermark (below the high watermark, so each trim makes room).</summary>
    public int LowWater => ConnectionLowWater ?? Math.Max(0, Math.Min(HighWater - 1, HighWater * 9 / 10));

    /// <summary>
    /// Cap on inbound connections still in their handshake, so a connect flood cannot exhaust memory or CPU. When all
    /// are taken, the one idle longest (a second or more without a byte) is evicted for the newcomer.
    /// </summary>
    public int MaxPendingInbound { get; init; } = 64;

    /// <summary>
    /// Cap on inbound handshakes from one IPv4 address or IPv6 /64 (outside <see cref="ResourceManagerOptions.ExemptNetworks"/>),
    /// so that one address cannot take the slots of <see cref="MaxPendingInbound"/>.
    /// </summary>
    public int MaxPendingInboundPerIp { get; init; } = 8;

    public TimeSpan DialTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Bound on multistream-select + Noise + Yamux set-up.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An inbound connection whose dialer has not sent its first byte within this is closed: a libp2p dialer speaks as
    /// soon as it is connected, so a silent socket only holds a handshake slot.
    /// </summary>
    public TimeSpan HandshakeFirstByteTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>During a handshake (either side), the longest wait for the remote's next byte.</summary>
    public TimeSpan HandshakeStepTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bound on negotiating a protocol on a new stream.</summary>
    public TimeSpan StreamNegotiationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>First dial backoff after a failure; doubles per consecutive failure up to <see cref="DialBackoffMax"/>.</summary>
    public TimeSpan DialBackoffBase { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan DialBackoffMax { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often every connection is pinged to measure latency and detect dead peers (Zero disables).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Concurrent inbound streams being handled per connection; beyond it new streams are reset.</summary>
    public int MaxInboundStreamsPerConnection { get; init; } = 1024;

    public YamuxOptions Yamux { get; init; } = new();

    /// <summary>Whether and for whom <c>/perf/1.0.0</c> is served; off by default.</summary>
    public PerfOptions Perf { get; init; } = new();

    /// <summary>Peers remembered in the peer store.</summary>
    public int MaxPeerStoreEntries { get; init; } = 10_000;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// The limits of the host's <see cref="Resources.ResourceManager"/> (scaled from the machine's memory unless set), and
    /// the networks exempt from per-IP limits (those on handshakes too).
    /// </summary>
    public ResourceManagerOptions Resources { get; init; } = new();

    /// <summary>
    /// Consulted at each stage of every connection and stream instead of the host's own manager, and may refuse (see
    /// <see cref="IResourceManager"/>). Null, the default: a <see cref="Resources.ResourceManager"/> with <see cref="Resources"/>,
    /// created by the host (which publishes its metrics); <see cref="UnlimitedResourceManager"/> grants everything.
    /// </summary>
    public IResourceManager? ResourceManager { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Identity);
        ArgumentNullException.ThrowIfNull(Perf);
        ArgumentNullException.ThrowIfNull(Resources);
        Require(MaxConnections > 0, nameof(MaxConnections), "must be positive");
        Require(HighWater > 0 && HighWater <= MaxConnections, nameof(ConnectionHighWater), "must be positive and at most MaxConnections");
        Require(LowWater >= 0 && LowWater < HighWater, nameof(ConnectionLowWater), "must be at least 0 and below the high watermark");
        Require(MaxPendingInbound > 0, nameof(MaxPendingInbound), "must be positive");
        Require(MaxPendingInboundPerIp > 0, nameof(MaxPendingInboundPerIp), "must be positive");
        Require(HandshakeFirstByteTimeout > TimeSpan.Zero, nameof(HandshakeFirstByteTimeout), "must be positive");
        Require(HandshakeStepTimeout > TimeSpan.Zero, nameof(HandshakeStepTimeout), "must be positive");
        Require(DialTimeout > TimeSpan.Zero, nameof(DialTimeout), "must be positive");
        Require(HandshakeTimeout > TimeSpan.Zero, nameof(HandshakeTimeout), "must be positive");
        Require(StreamNegotiationTimeout > TimeSpan.Zero, nameof(StreamNegotiationTimeout), "must be positive");
        Require(DialBackoffBase >= TimeSpan.Zero, nameof(DialBackoffBase), "must not be negative");
        Require(DialBackoffMax >= DialBackoffBase, nameof(DialBackoffMax), "must be at least DialBackoffBase");
        Require(PingInterval >= TimeSpan.Zero, nameof(PingInterval), "must not be negative");
        Require(TrimGracePeriod >= TimeSpan.Zero, nameof(TrimGracePeriod), "must not be negative");
        Require(MaxInboundStreamsPerConnection > 0, nameof(MaxInboundStreamsPerConnection), "must be positive");
        Require(MaxPeerStoreEntries > 0, nameof(MaxPeerStoreEntries), "must be positive");
        Require(!string.IsNullOrWhiteSpace(AgentVersion), nameof(AgentVersion), "must not be empty");
        foreach (var address in ListenAddresses)
        {
            // TCP, or what an added transport listens on: the relay transport's /p2p-circuit (checked when the host starts).
            if ((!address.TryGetTcpEndpoint(out _, out _, out _, out var isDns) || isDns) && !Addressing.AddressScope.IsRelayed(address))
                throw new ArgumentException($"listen address '{address}' must be /ip4/<ip>/tcp/<port>, /ip6/<ip>/tcp/<port> or /p2p-circuit", nameof(ListenAddresses));
        }
        Yamux.Validate();
        Perf.Validate();
        Resources.Validate();
    }

    private static void Require(bool condition, string name, string message)
    {
        if (!condition) throw new ArgumentException($"{name} {message}", name);
    }
}
