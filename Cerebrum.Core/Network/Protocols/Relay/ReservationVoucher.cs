using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Records;
using Google.Protobuf;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// A relay's signed promise to relay for a peer until a time (circuit relay v2 reservation voucher): a signed envelope,
/// domain <c>libp2p-relay-rsvp</c>, payload type 0x0302, signed by the relay's identity key.
/// </summary>
public sealed record ReservationVoucher(PeerId Relay, PeerId Peer, DateTimeOffset Expires)
{
    public const string Domain = "libp2p-relay-rsvp";

    /// <summary>Multicodec 0x0302 written as the two bytes 03 02, as go- and js-libp2p write it (and 0x0301 for peer records).</summary>
    public static ReadOnlySpan<byte> PayloadType => [0x03, 0x02];

    /// <summary>The envelope, signed by <paramref name="relayKey"/>, which must be <see cref="Relay"/>'s.</summary>
    public byte[] Sign(PrivateKey relayKey)
    {
        ArgumentNullException.ThrowIfNull(relayKey);
        if (relayKey.PeerId != Relay)
            throw new ArgumentException($"a voucher of relay {Relay} cannot be signed by {relayKey.PeerId}", nameof(relayKey));
        var voucher = new Proto.Voucher
        {
            Relay = ByteString.CopyFrom(Relay.Bytes.Span),
            Peer = ByteString.CopyFrom(Peer.Bytes.Span),
            Expiration = checked((ulong)Expires.ToUnixTimeSeconds()),
        };
        return SignedEnvelope.Seal(relayKey, Domain, PayloadType, voucher.ToByteArray());
    }

    /// <summary>Opens a voucher envelope: it verifies, carries a voucher, and was signed by the relay it names.</summary>
    /// <exception cref="FormatException">Anything else, with what was wrong.</exception>
    public static ReservationVoucher Open(ReadOnlySpan<byte> envelope)
    {
        var opened = SignedEnvelope.Open(envelope, Domain);
        if (!opened.PayloadType.Span.SequenceEqual(PayloadType))
            throw new FormatException($"signed envelope carries payload type {Convert.ToHexString(opened.PayloadType.Span)}, not a reservation voucher (0302)");
        Proto.Voucher voucher;
        try
        {
            voucher = Proto.Voucher.Parser.ParseFrom(opened.Payload.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"not a reservation voucher: {e.Message}", e);
        }
        if (!voucher.HasRelay || !voucher.HasPeer || !voucher.HasExpiration)
            throw new FormatException("reservation voucher without its relay, peer or expiration");
        if (voucher.Expiration > (ulong)DateTimeOffset.MaxValue.ToUnixTimeSeconds())
            throw new FormatException($"reservation voucher expiring at {voucher.Expiration}, past year 9999");
        PeerId relay, peer;
        try
        {
            relay = PeerId.FromBytes(voucher.Relay.Span);
            peer = PeerId.FromBytes(voucher.Peer.Span);
        }
        catch (FormatException e)
        {
            throw new FormatException($"reservation voucher with a malformed peer ID: {e.Message}", e);
        }
        if (!relay.Matches(opened.Signer))
            throw new FormatException($"reservation voucher of relay {relay} signed by another key ({opened.Signer.ToPeerId()})");
        return new ReservationVoucher(relay, peer, DateTimeOffset.FromUnixTimeSeconds((long)voucher.Expiration));
    }
}
