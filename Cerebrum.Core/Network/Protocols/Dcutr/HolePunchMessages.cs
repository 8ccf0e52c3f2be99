using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Addressing;
using Cerebrum.Core.Network.Protocols.Dcutr.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Network.Protocols.Dcutr;

/// <summary>
/// Encoding and checked decoding of DCUtR messages (uvarint-length-prefixed on one stream), and which addresses are
/// worth exchanging and dialling: direct TCP ones (our transport), public unless the options allow otherwise.
/// </summary>
public static class HolePunchMessages
{
    public const string ProtocolId = "/libp2p/dcutr";

    /// <summary>The spec's bound on one message.</summary>
    public const int MaxMessageSize = 4096;

    /// <summary>Bound on the addresses taken from, or put in, one message.</summary>
    public const int MaxAddresses = 16;

    public static byte[] EncodeConnect(IEnumerable<Multiaddress> addresses) => Encode(HolePunch.Types.Type.Connect, addresses);

    public static byte[] EncodeSync() => Encode(HolePunch.Types.Type.Sync, []);

    /// <summary>The addresses of a CONNECT, filtered to those we would dial.</summary>
    /// <exception cref="FormatException">Too large, not a HolePunch, or not a CONNECT.</exception>
    public static IReadOnlyList<Multiaddress> ParseConnect(ReadOnlySpan<byte> bytes, bool allowNonPublic)
    {
        var message = Parse(bytes, HolePunch.Types.Type.Connect);
        var addresses = new List<Multiaddress>();
        foreach (var raw in message.ObsAddrs)
        {
            if (addresses.Count >= MaxAddresses)
                break;
            Multiaddress address;
            try
            {
                address = Multiaddress.FromBytes(raw.Span);
            }
            catch (FormatException e)
            {
                throw new FormatException($"CONNECT with a malformed address: {e.Message}", e);
            }
            if (Dialable(address, allowNonPublic) && !addresses.Contains(address))
                addresses.Add(address);
        }
        return addresses;
    }

    /// <exception cref="FormatException">Too large, not a HolePunch, or not a SYNC.</exception>
    public static void ParseSync(ReadOnlySpan<byte> bytes) => Parse(bytes, HolePunch.Types.Type.Sync);

    /// <summary>Whether <paramref name="address"/> is one to offer or dial for a hole punch.</summary>
    public static bool Dialable(Multiaddress address, bool allowNonPublic) =>
        AddressScope.IsDirectTcp(address) && (allowNonPublic || AddressScope.HasPublicIp(address));

    private static byte[] Encode(HolePunch.Types.Type type, IEnumerable<Multiaddress> addresses)
    {
        var message = new HolePunch { Type = type };
        foreach (var address in addresses.Take(MaxAddresses))
            message.ObsAddrs.Add(ByteString.CopyFrom(address.ToBytes()));
        return message.ToByteArray();
    }

    private static HolePunch Parse(ReadOnlySpan<byte> bytes, HolePunch.Types.Type expected)
    {
        if (bytes.Length > MaxMessageSize)
            throw new FormatException($"DCUtR message of {bytes.Length} bytes (at most {MaxMessageSize})");
        HolePunch message;
        try
        {
            message = HolePunch.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"malformed DCUtR message: {e.Message}", e);
        }
        if (!message.HasType)
            throw new FormatException("DCUtR message without a type");
        if (message.Type != expected)
            throw new FormatException($"expected a DCUtR {expected}, got {message.Type}");
        return message;
    }
}
