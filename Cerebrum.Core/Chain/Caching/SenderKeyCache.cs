using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Caching;

/// <summary>
/// Transaction senders' public keys and peer IDs by the key's protobuf encoding. Parsing a compressed secp256k1 key
/// decompresses the point (a square root in the field), which cost about as much as the signature check itself, and
/// an account sends many transactions with the same key.
/// </summary>
internal static class SenderKeyCache
{
    private static readonly ParsedCache<Sender> Cache = new(65_536);

    /// <exception cref="FormatException">Not a valid key encoding (or <see cref="NotSupportedException"/>: a key type this build does not know).</exception>
    public static Sender Parse(ReadOnlySpan<byte> protobufKey) => Cache.GetOrParse(protobufKey, static bytes =>
    {
        var key = PublicKey.FromProtobuf(bytes);
        return new Sender(key, key.ToPeerId());
    });

    public sealed record Sender(PublicKey Key, PeerId Id);
}
