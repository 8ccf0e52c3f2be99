using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Protocols.Kademlia.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Network.Protocols.Kademlia;

/// <summary>
/// Encoding and checked decoding of DHT messages (uvarint-length-prefixed; a stream may carry several requests, each
/// answered in order). Decoding bounds everything a peer controls: the message size, the key, the record, the number
/// of peers and addresses taken; peers with malformed IDs and addresses we cannot parse are left out rather than
/// failing the whole answer, since other implementations know transports we do not.
/// </summary>
public static class KademliaMessages
{
    /// <summary>Bound on a key: a peer ID or a multihash is far shorter; value record keys carry a short namespace.</summary>
    public const int MaxKeySize = 512;

    /// <summary>Peers taken from one list of a message (2k: a generous answer).</summary>
    public const int MaxPeersPerList = 40;

    /// <summary>Addresses taken per peer.</summary>
    public const int MaxAddressesPerPeer = 16;

    public static byte[] Encode(KademliaMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var proto = new Message { Type = (Message.Types.MessageType)message.Type, Key = ByteString.CopyFrom(message.Key.Span) };
        if (message.Record is { } record)
            proto.Record = new Record { Key = ByteString.CopyFrom(record.Key.Span), Value = ByteString.CopyFrom(record.Value.Span) };
        foreach (var peer in message.CloserPeers)
            proto.CloserPeers.Add(ToProto(peer));
        foreach (var peer in message.ProviderPeers)
            proto.ProviderPeers.Add(ToProto(peer));
        return proto.ToByteArray();
    }

    /// <exception cref="FormatException">Larger than <paramref name="maxMessageSize"/>, not the protobuf, an unknown type, or a key or record over the limits.</exception>
    public static KademliaMessage Decode(ReadOnlySpan<byte> bytes, int maxMessageSize, int maxRecordValueSize)
    {
        if (bytes.Length > maxMessageSize)
            throw new FormatException($"DHT message of {bytes.Length} bytes (at most {maxMessageSize})");
        Message proto;
        try
        {
            proto = Message.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"malformed DHT message: {e.Message}", e);
        }
        var type = (KademliaMessageType)proto.Type;
        if (!Enum.IsDefined(type))
            throw new FormatException($"DHT message of unknown type {(int)proto.Type}");
        if (proto.Key.Length > MaxKeySize)
            throw new FormatException($"DHT key of {proto.Key.Length} bytes (at most {MaxKeySize})");
        KademliaRecord? record = null;
        if (proto.Record is { } r)
        {
            if (r.Key.Length > MaxKeySize)
                throw new FormatException($"DHT record key of {r.Key.Length} bytes (at most {MaxKeySize})");
            if (r.Value.Length > maxRecordValueSize)
                throw new FormatException($"DHT record value of {r.Value.Length} bytes (at most {maxRecordValueSize})");
            record = new KademliaRecord(r.Key.Memory, r.Value.Memory);
        }
        return new KademliaMessage(type, proto.Key.Memory, record, Peers(proto.CloserPeers), Peers(proto.ProviderPeers));
    }

    private static List<KademliaPeer> Peers(IEnumerable<Message.Types.Peer> list)
    {
        var peers = new List<KademliaPeer>();
        foreach (var proto in list)
        {
            if (peers.Count >= MaxPeersPerList)
                break;
            PeerId id;
            try
            {
                id = PeerId.FromBytes(proto.Id.Span);
            }
            catch (FormatException)
            {
                continue; // somebody else's garbage does not spoil the rest of the answer
            }
            var addresses = new List<Multiaddress>();
            foreach (var raw in proto.Addrs)
            {
                if (addresses.Count >= MaxAddressesPerPeer)
                    break;
                if (TryAddress(raw.Span) is { } address)
                    addresses.Add(address);
            }
            if (!peers.Exists(p => p.Id == id))
                peers.Add(new KademliaPeer(id, addresses));
        }
        return peers;
    }

    private static Multiaddress? TryAddress(ReadOnlySpan<byte> raw)
    {
        try
        {
            return Multiaddress.FromBytes(raw);
        }
        catch (FormatException)
        {
            return null; // a transport we do not know
        }
    }

    private static Message.Types.Peer ToProto(KademliaPeer peer)
    {
        var proto = new Message.Types.Peer { Id = ByteString.CopyFrom(peer.Id.Bytes.Span) };
        foreach (var address in peer.Addresses)
            proto.Addrs.Add(ByteString.CopyFrom(address.WithoutPeerIdIfAny().ToBytes()));
        return proto;
    }

    private static Multiaddress WithoutPeerIdIfAny(this Multiaddress address) =>
        address.PeerId is not null && address.Components.Count > 1 ? address.WithoutPeerId() : address;
}
