namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// The default limits for a memory budget (<see cref="ResourceManagerOptions.MaxMemory"/>), in the manner of
/// go-libp2p's scaling limits: a base for the smallest budget (128 MiB) plus an increase per GiB beyond it. Counts of
/// connections and streams grow with the budget because each one costs memory (a stream's Yamux window is 256 KiB
/// reserved up front); per-peer connections and the per-IP connection caps do not grow, since an honest peer needs
/// only one or two connections whatever our size.
/// </summary>
public static class DefaultResourceLimits
{
    private const long MiB = 1L << 20;

    public static ResourceLimits System(long memory) => new()
    {
        ConnectionsInbound = Scale(64, 64, memory),
        ConnectionsOutbound = Scale(128, 128, memory),
        Connections = Scale(192, 192, memory),
        StreamsInbound = Scale(1024, 1024, memory),
        StreamsOutbound = Scale(2048, 2048, memory),
        Streams = Scale(3072, 3072, memory),
        Memory = memory,
    };

    /// <summary>Connections before Noise proved the peer, streams before their protocol is agreed.</summary>
    public static ResourceLimits Transient(long memory) => new()
    {
        ConnectionsInbound = Scale(32, 16, memory),
        ConnectionsOutbound = Scale(64, 32, memory),
        Connections = Scale(96, 48, memory),
        StreamsInbound = Scale(128, 128, memory),
        StreamsOutbound = Scale(256, 256, memory),
        Streams = Scale(384, 384, memory),
        Memory = memory / 8,
    };

    public static ResourceLimits Peer(long memory) => new()
    {
        ConnectionsInbound = 8,
        ConnectionsOutbound = 8,
        Connections = 8,
        StreamsInbound = Scale(256, 128, memory),
        StreamsOutbound = Scale(512, 256, memory),
        Streams = Scale(768, 384, memory),
        Memory = PeerMemory(memory),
    };

    /// <summary>An IPv4 address or IPv6 /64: eight inbound connections (go-libp2p's per-IP default), room for a few peers' memory.</summary>
    public static ResourceLimits Ip(long memory) => new()
    {
        ConnectionsInbound = 8,
        ConnectionsOutbound = 16,
        Connections = 24,
        Memory = 4 * PeerMemory(memory),
    };

    public static ResourceLimits Protocol(long memory) => new()
    {
        StreamsInbound = Scale(512, 256, memory),
        StreamsOutbound = Scale(2048, 512, memory),
        Streams = Scale(2560, 768, memory),
        Memory = memory / 2,
    };

    /// <summary>
    /// A protocol for one peer: room for a gateway's many concurrent inference requests to one node (128 at the smallest
    /// budget, whose windows alone fill the peer's 32 MiB), tighter for the built-in protocols (see <see cref="ResourceManagerOptions"/>).
    /// </summary>
    public static ResourceLimits ProtocolPeer(long memory) => new()
    {
        StreamsInbound = Scale(128, 32, memory),
        StreamsOutbound = Scale(256, 64, memory),
        Streams = Scale(384, 96, memory),
    };

    public static ResourceLimits Service(long memory) => new()
    {
        StreamsInbound = Scale(1024, 512, memory),
        StreamsOutbound = Scale(4096, 2048, memory),
        Streams = Scale(4096, 2048, memory),
        Memory = memory / 2,
    };

    public static ResourceLimits ServicePeer(long memory) => new()
    {
        StreamsInbound = Scale(128, 4, memory),
        StreamsOutbound = Scale(256, 8, memory),
        Streams = Scale(256, 8, memory),
    };

    /// <summary>No limit of its own: a connection is bounded by its peer's, its IP's and the system's.</summary>
    public static ResourceLimits Connection() => new();

    /// <summary>No limit of its own: a stream is bounded by its protocol's, its peer's and the system's.</summary>
    public static ResourceLimits Stream() => new();

    /// <summary>32 MiB, plus 32 MiB per GiB of budget beyond 128 MiB.</summary>
    private static long PeerMemory(long memory) => 32 * MiB + 32 * MiB * Beyond(memory) / 1024;

    private static int Scale(int baseValue, int perGiB, long memory) => (int)Math.Min(int.MaxValue, baseValue + (long)perGiB * Beyond(memory) / 1024);

    /// <summary>MiB of budget beyond the 128 MiB the bases are for.</summary>
    private static long Beyond(long memory) => Math.Max(0, (memory - ResourceManagerOptions.MinimumMaxMemory) / MiB);
}
