using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.PubSub;

/// <summary>
/// Peer-id equality with a hash that is stable across processes (FNV-1a over the multihash, where
/// <see cref="HashCode"/> is seeded per process), so nothing the router does depends on a per-process seed.
/// </summary>
public sealed class PeerIdComparer : IEqualityComparer<PeerId>
{
    public static PeerIdComparer Instance { get; } = new();

    public bool Equals(PeerId? x, PeerId? y) => x == y;

    public int GetHashCode(PeerId obj)
    {
        var h = 2166136261u;
        foreach (var b in obj.Bytes.Span) h = (h ^ b) * 16777619u;
        return (int)h;
    }
}
