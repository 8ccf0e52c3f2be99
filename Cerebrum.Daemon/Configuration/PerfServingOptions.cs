using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Protocols.Perf;

namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// The "Network:Perf" section: whether this daemon serves the libp2p perf protocol (/perf/1.0.0) to other peers. Off by
/// default, since a perf stream makes the daemon move as many bytes as the peer asks; see <see cref="PerfOptions"/>.
/// </summary>
public sealed record PerfServingOptions
{
    /// <summary>Serve /perf/1.0.0, e.g. to let `cerebrum net perf` measure this daemon.</summary>
    public bool Enabled { get; init; }

    /// <summary>Peer IDs allowed to run perf here; empty: any peer, once <see cref="Enabled"/>.</summary>
    public IReadOnlyList<string> AllowedPeers { get; init; } = [];

    /// <summary>Most bytes a peer may upload, and ask back, per perf stream.</summary>
    public long MaxBytesPerStream { get; init; } = new PerfOptions().MaxBytesPerStream;

    /// <summary>Perf streams served at once over all peers.</summary>
    public int MaxConcurrentStreams { get; init; } = new PerfOptions().MaxConcurrentStreams;

    /// <summary>Adds an error naming its key for each invalid setting.</summary>
    public void Validate(List<string> errors)
    {
        for (var i = 0; i < AllowedPeers.Count; i++)
        {
            if (!PeerId.TryParse(AllowedPeers[i], out _, out var error))
                errors.Add($"Network:Perf:AllowedPeers:{i}: '{AllowedPeers[i]}' is not a peer ID ({error})");
        }
        if (MaxBytesPerStream <= 0)
            errors.Add($"Network:Perf:MaxBytesPerStream: must be positive, not {MaxBytesPerStream}");
        if (MaxConcurrentStreams <= 0)
            errors.Add($"Network:Perf:MaxConcurrentStreams: must be positive, not {MaxConcurrentStreams}");
    }

    /// <summary>The host's perf options; call after <see cref="Validate"/> found nothing.</summary>
    public PerfOptions ToPerfOptions() => new()
    {
        Enabled = Enabled,
        AllowedPeers = AllowedPeers.Select(PeerId.Parse).ToHashSet(),
        MaxBytesPerStream = MaxBytesPerStream,
        MaxConcurrentStreams = MaxConcurrentStreams,
    };
}
