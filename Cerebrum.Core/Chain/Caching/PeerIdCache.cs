using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Caching;

/// <summary>
/// Peer IDs by their bytes, shared: a transfer names its recipient as bytes, and every fresh <see cref="PeerId"/>
/// would base58-encode them again for the recipient's state key.
/// </summary>
internal static class PeerIdCache
{
    private static readonly ParsedCache<PeerId> Cache = new(65_536);

    /// <exception cref="FormatException">Not a peer ID (also <see cref="InvalidDataException"/>, <see cref="ArgumentException"/>, as <see cref="PeerId.FromBytes"/>).</exception>
    public static PeerId FromBytes(ReadOnlySpan<byte> multihash) => Cache.GetOrParse(multihash, static bytes => PeerId.FromBytes(bytes));
}
