using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Protocols.Relay.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// Encoding and checked decoding of circuit relay v2 messages (uvarint-length-prefixed, one request and one answer per
/// stream, after which the stream carries the relayed bytes). Decoding refuses anything malformed with a
/// <see cref="FormatException"/> naming the fault.
/// </summary>
public static class RelayMessages
{
    public const string HopProtocolId = "/libp2p/circuit/relay/0.2.0/hop";
    public const string StopProtocolId = "/libp2p/circuit/relay/0.2.0/stop";

    /// <summary>Bound on one message, as go-libp2p's relay: a reservation's addresses and voucher fit well inside.</summary>
    public const int MaxMessageSize = 4096;

    /// <summary>Bound on the relay addresses taken from one reservation.</summary>
    public const int MaxReservationAddresses = 32;

    public static byte[] EncodeReserve() => new HopMessage { Type = HopMessage.Types.Type.Reserve }.ToByteArray();

    public static byte[] EncodeConnect(PeerId target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return new HopMessage { Type = HopMessage.Types.Type.Connect, Peer = new Peer { Id = ByteString.CopyFrom(target.Bytes.Span) } }.ToByteArray();
    }

    /// <summary>A hop STATUS: a refusal, an accepted connection (with its limit), or an accepted reservation.</summary>
    public static byte[] EncodeHopStatus(RelayStatus status, RelayLimit? limit = null, HopReservation? reservation = null)
    {
        var message = new HopMessage { Type = HopMessage.Types.Type.Status, Status = (Status)status };
        if (limit is { IsNone: false })
            message.Limit = ToProto(limit);
        if (reservation is not null)
        {
            var proto = new Reservation
            {
                Expire = checked((ulong)reservation.Expires.ToUnixTimeSeconds()),
                Voucher = ByteString.CopyFrom(reservation.Voucher.Span),
            };
            foreach (var address in reservation.RelayAddresses)
                proto.Addrs.Add(ByteString.CopyFrom(address.ToBytes()));
            message.Reservation = proto;
        }
        return message.ToByteArray();
    }

    public static byte[] EncodeStopConnect(PeerId source, RelayLimit limit)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(limit);
        var message = new StopMessage { Type = StopMessage.Types.Type.Connect, Peer = new Peer { Id = ByteString.CopyFrom(source.Bytes.Span) } };
        if (!limit.IsNone)
            message.Limit = ToProto(limit);
        return message.ToByteArray();
    }

    public static byte[] EncodeStopStatus(RelayStatus status) =>
        new StopMessage { Type = StopMessage.Types.Type.Status, Status = (Status)status }.ToByteArray();

    /// <summary>What a relay reads on a hop stream: RESERVE, or CONNECT with a target.</summary>
    /// <exception cref="FormatException">Too large, not a HopMessage, a STATUS, or a CONNECT without a valid target.</exception>
    public static HopRequest ParseHopRequest(ReadOnlySpan<byte> bytes)
    {
        var message = Parse(bytes, HopMessage.Parser, "hop");
        if (!message.HasType)
            throw new FormatException("hop message without a type");
        return message.Type switch
        {
            HopMessage.Types.Type.Reserve => new HopRequest(null),
            HopMessage.Types.Type.Connect => new HopRequest(PeerOf(message.Peer, "hop CONNECT")),
            _ => throw new FormatException($"expected RESERVE or CONNECT on a hop stream, got {message.Type}"),
        };
    }

    /// <summary>What a client reads back on a hop stream: a STATUS.</summary>
    /// <exception cref="FormatException">Too large, not a hop STATUS, an unknown status, or a malformed reservation.</exception>
    public static HopResponse ParseHopResponse(ReadOnlySpan<byte> bytes)
    {
        var message = Parse(bytes, HopMessage.Parser, "hop");
        if (!message.HasType || message.Type != HopMessage.Types.Type.Status)
            throw new FormatException($"expected a hop STATUS, got {(message.HasType ? message.Type.ToString() : "no type")}");
        var status = StatusOf(message.HasStatus, message.Status, "hop");
        HopReservation? reservation = null;
        if (message.Reservation is { } proto)
        {
            if (!proto.HasExpire)
                throw new FormatException("reservation without an expiry");
            if (proto.Expire > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds())
                throw new FormatException($"reservation expiring at {proto.Expire}, past year 9999");
            if (proto.Addrs.Count > MaxReservationAddresses)
                throw new FormatException($"reservation with {proto.Addrs.Count} addresses (at most {MaxReservationAddresses})");
            var addresses = new List<Multiaddress>(proto.Addrs.Count);
            foreach (var raw in proto.Addrs)
            {
                try
                {
                    addresses.Add(Multiaddress.FromBytes(raw.Span));
                }
                catch (FormatException e)
                {
                    throw new FormatException($"reservation with a malformed relay address: {e.Message}", e);
                }
            }
            reservation = new HopReservation(DateTimeOffset.FromUnixTimeSeconds((long)proto.Expire), addresses, proto.Voucher.Memory);
        }
        return new HopResponse(status, reservation, LimitOf(message.Limit));
    }

    /// <summary>What a peer reads on an inbound stop stream: CONNECT from a source.</summary>
    /// <exception cref="FormatException">Too large, not a stop CONNECT, or without a valid source.</exception>
    public static StopRequest ParseStopRequest(ReadOnlySpan<byte> bytes)
    {
        var message = Parse(bytes, StopMessage.Parser, "stop");
        if (!message.HasType || message.Type != StopMessage.Types.Type.Connect)
            throw new FormatException($"expected a stop CONNECT, got {(message.HasType ? message.Type.ToString() : "no type")}");
        return new StopRequest(PeerOf(message.Peer, "stop CONNECT"), LimitOf(message.Limit));
    }

    /// <summary>What a relay reads back on a stop stream: a STATUS.</summary>
    /// <exception cref="FormatException">Too large, not a stop STATUS, or an unknown status.</exception>
    public static RelayStatus ParseStopResponse(ReadOnlySpan<byte> bytes)
    {
        var message = Parse(bytes, StopMessage.Parser, "stop");
        if (!message.HasType || message.Type != StopMessage.Types.Type.Status)
            throw new FormatException($"expected a stop STATUS, got {(message.HasType ? message.Type.ToString() : "no type")}");
        return StatusOf(message.HasStatus, message.Status, "stop");
    }

    private static T Parse<T>(ReadOnlySpan<byte> bytes, MessageParser<T> parser, string what)
        where T : IMessage<T>
    {
        if (bytes.Length > MaxMessageSize)
            throw new FormatException($"{what} message of {bytes.Length} bytes (at most {MaxMessageSize})");
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"malformed {what} message: {e.Message}", e);
        }
    }

    private static PeerId PeerOf(Peer? peer, string what)
    {
        if (peer is null || !peer.HasId)
            throw new FormatException($"{what} without a peer ID");
        try
        {
            return PeerId.FromBytes(peer.Id.Span);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{what} with a malformed peer ID: {e.Message}", e);
        }
    }

    private static RelayStatus StatusOf(bool present, Status status, string what)
    {
        var value = (RelayStatus)status;
        if (!present || !Enum.IsDefined(value))
            throw new FormatException($"{what} STATUS without a known status ({(present ? ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")})");
        return value;
    }

    private static RelayLimit LimitOf(Limit? limit)
    {
        if (limit is null)
            return RelayLimit.None;
        TimeSpan? duration = limit.HasDuration && limit.Duration > 0 ? TimeSpan.FromSeconds(limit.Duration) : null;
        ulong? data = limit.HasData && limit.Data > 0 ? limit.Data : null;
        return duration is null && data is null ? RelayLimit.None : new RelayLimit(duration, data);
    }

    private static Limit ToProto(RelayLimit limit)
    {
        var proto = new Limit();
        if (limit.Duration is { } duration)
            proto.Duration = (uint)Math.Clamp(Math.Ceiling(duration.TotalSeconds), 1, uint.MaxValue);
        if (limit.DataBytes is { } data)
            proto.Data = data;
        return proto;
    }
}
