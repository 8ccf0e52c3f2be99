using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Perf;

/// <summary>
/// Whether and for whom this host serves <c>/perf/1.0.0</c>. A perf stream makes us receive and send as many bytes as
/// the peer asks, so the server side is off by default: a daemon that should be measured by others turns it on, ideally
/// for named peers only. Running perf against another peer (<see cref="PeerHost.PerfAsync"/>) needs none of this.
/// </summary>
public sealed record PerfOptions
{
    /// <summary>Serve <c>/perf/1.0.0</c> (register its handler, so identify lists it). Off by default.</summary>
    public bool Enabled { get; init; }

    /// <summary>When not empty, only these peers may run perf against us; the streams of any other peer are reset.
    /// Empty: any peer, once <see cref="Enabled"/>.</summary>
    public IReadOnlySet<PeerId> AllowedPeers { get; init; } = new HashSet<PeerId>();

    /// <summary>
    /// Per stream, the most a peer may upload and the most it may ask back. A request for more is refused and an upload
    /// beyond it is cut, both by resetting the stream.
    /// </summary>
    public long MaxBytesPerStream { get; init; } = 1L << 30;

    /// <summary>Perf streams served at once over all peers; further ones are reset until one ends.</summary>
    public int MaxConcurrentStreams { get; init; } = 16;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(AllowedPeers);
        if (MaxBytesPerStream <= 0)
            throw new ArgumentException($"{nameof(MaxBytesPerStream)} must be positive, got {MaxBytesPerStream}", nameof(MaxBytesPerStream));
        if (MaxConcurrentStreams <= 0)
            throw new ArgumentException($"{nameof(MaxConcurrentStreams)} must be positive, got {MaxConcurrentStreams}", nameof(MaxConcurrentStreams));
    }
}
