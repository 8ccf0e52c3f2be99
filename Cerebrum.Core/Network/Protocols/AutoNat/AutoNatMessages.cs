using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Protocols.AutoNat.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Network.Protocols.AutoNat;

/// <summary>
/// Encoding and checked decoding of AutoNAT v1 messages (each one uvarint-length-prefixed on its own stream). Decoding
/// refuses anything that is not the expected message with a <see cref="FormatException"/> naming the fault.
/// </summary>
public static class AutoNatMessages
{
    public const string ProtocolId = "/libp2p/autonat/1.0.0";

    /// <summary>Bound on one message: a request carries a peer's handful of addresses, a response one address.</summary>
    public const int MaxMessageSize = 8 * 1024;

    /// <summary>Bound on the addresses one request may list; a request with more is a bad request.</summary>
    public const int MaxRequestAddresses = 64;

    /// <summary>Bound on a response's status text we keep (it only goes to logs).</summary>
    private const int MaxStatusTextLength = 256;

    public static byte[] EncodeDialRequest(PeerId self, IEnumerable<Multiaddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(addresses);
        var peer = new Message.Types.PeerInfo { Id = ByteString.CopyFrom(self.Bytes.Span) };
        foreach (var address in addresses)
            peer.Addrs.Add(ByteString.CopyFrom(address.ToBytes()));
        if (peer.Addrs.Count > MaxRequestAddresses)
            throw new ArgumentException($"at most {MaxRequestAddresses} addresses fit in one request", nameof(addresses));
        return new Message { Type = Message.Types.MessageType.Dial, Dial = new Message.Types.Dial { Peer = peer } }.ToByteArray();
    }

    public static byte[] EncodeDialResponse(AutoNatStatus status, string text, Multiaddress? address = null)
    {
        var response = new Message.Types.DialResponse { Status = (Message.Types.ResponseStatus)status };
        if (!string.IsNullOrEmpty(text))
            response.StatusText = text;
        if (address is not null)
            response.Addr = ByteString.CopyFrom(address.ToBytes());
        return new Message { Type = Message.Types.MessageType.DialResponse, DialResponse = response }.ToByteArray();
    }

    /// <exception cref="FormatException">Not a well-formed <c>DIAL</c>: too large, not the protobuf, no peer, a bad peer ID, too many addresses.</exception>
    public static AutoNatDialRequest ParseDialRequest(ReadOnlySpan<byte> bytes)
    {
        var message = Parse(bytes);
        if (!message.HasType || message.Type != Message.Types.MessageType.Dial)
            throw new FormatException($"expected a DIAL message, got {(message.HasType ? message.Type.ToString() : "no type")}");
        if (message.Dial?.Peer is not { } peer || !peer.HasId)
            throw new FormatException("DIAL without the asker's peer info");
        PeerId id;
        try
        {
            id = PeerId.FromBytes(peer.Id.Span);
        }
        catch (FormatException e)
        {
            throw new FormatException($"DIAL with a malformed peer ID: {e.Message}", e);
        }
        if (peer.Addrs.Count > MaxRequestAddresses)
            throw new FormatException($"DIAL lists {peer.Addrs.Count} addresses (at most {MaxRequestAddresses})");
        var addresses = new List<Multiaddress>(peer.Addrs.Count);
        var unparsable = 0;
        foreach (var raw in peer.Addrs)
        {
            // Transports we cannot parse are not ours to dial; the rest of the request still counts.
            try
            {
                addresses.Add(Multiaddress.FromBytes(raw.Span));
            }
            catch (FormatException)
            {
                unparsable++;
            }
        }
        return new AutoNatDialRequest(id, addresses, unparsable);
    }

    /// <exception cref="FormatException">Not a well-formed <c>DIAL_RESPONSE</c>.</exception>
    public static AutoNatDialResponse ParseDialResponse(ReadOnlySpan<byte> bytes)
    {
        var message = Parse(bytes);
        if (!message.HasType || message.Type != Message.Types.MessageType.DialResponse)
            throw new FormatException($"expected a DIAL_RESPONSE message, got {(message.HasType ? message.Type.ToString() : "no type")}");
        if (message.DialResponse is not { HasStatus: true } response)
            throw new FormatException("DIAL_RESPONSE without a status");
        var status = (AutoNatStatus)response.Status;
        if (!Enum.IsDefined(status))
            throw new FormatException($"DIAL_RESPONSE with unknown status {(int)response.Status}");
        Multiaddress? address = null;
        if (response.HasAddr)
        {
            try
            {
                address = Multiaddress.FromBytes(response.Addr.Span);
            }
            catch (FormatException e)
            {
                throw new FormatException($"DIAL_RESPONSE with a malformed address: {e.Message}", e);
            }
        }
        var text = response.StatusText ?? string.Empty;
        if (text.Length > MaxStatusTextLength)
            text = text[..MaxStatusTextLength];
        return new AutoNatDialResponse(status, text, address);
    }

    private static Message Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxMessageSize)
            throw new FormatException($"AutoNAT message of {bytes.Length} bytes (at most {MaxMessageSize})");
        try
        {
            return Message.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"malformed AutoNAT message: {e.Message}", e);
        }
    }
}
