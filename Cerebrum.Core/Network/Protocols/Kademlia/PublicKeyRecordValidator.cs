using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// The <c>/pk/</c> namespace as go- and js-libp2p define it: key <c>/pk/</c> + a peer ID's multihash bytes, value the
/// libp2p PublicKey protobuf whose peer ID that is. Any valid value is the only possible value, so all are equal.
/// </summary>
public sealed class PublicKeyRecordValidator : IRecordValidator
{
    private static readonly byte[] Prefix = "/pk/"u8.ToArray();

    public string Namespace => "pk";

    public string? Validate(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (!key.StartsWith(Prefix))
            return "not a /pk/ key";
        PeerId peer;
        PublicKey publicKey;
        try
        {
            peer = PeerId.FromBytes(key[Prefix.Length..]);
            publicKey = PublicKey.FromProtobuf(value);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException or ArgumentException or Google.Protobuf.InvalidProtocolBufferException)
        {
            return $"malformed public key record: {e.Message}";
        }
        return peer.Matches(publicKey) ? null : "the public key is not the key of the peer ID";
    }

    public int Select(ReadOnlySpan<byte> key, IReadOnlyList<ReadOnlyMemory<byte>> values) => 0;
}
