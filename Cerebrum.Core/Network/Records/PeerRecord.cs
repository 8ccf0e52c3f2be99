using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network.Multiaddr;
using Google.Protobuf;

namespace Cerebrum.Core.Network.Records;

/// <summary>
/// A peer's signed statement of where it can be reached (libp2p/specs RFC 0003). Carried by identify (field 8) and by
/// gossipsub's peer exchange, so a peer learnt from a third party can be dialled at addresses that party cannot forge.
/// </summary>
public sealed record PeerRecord(PeerId Peer, ulong Sequence, IReadOnlyList<Multiaddress> Addresses)
{
    public const string Domain = "libp2p-peer-record";

    /// <summary>Bound on the addresses taken from one record; real peers have a handful.</summary>
    public const int MaxAddresses = 64;

    /// <summary>Multicodec 0x0301 (libp2p-peer-record) as varint bytes.</summary>
    public static ReadOnlySpan<byte> PayloadType => [0x03, 0x01];

    /// <summary>This record in a signed envelope; <paramref name="key"/> must be <see cref="Peer"/>'s.</summary>
    /// <exception cref="ArgumentException">The key is another peer's.</exception>
    public byte[] Sign(PrivateKey key)
    {
        if (key.PeerId != Peer)
            throw new ArgumentException($"a record of {Peer} cannot be signed by {key.PeerId}", nameof(key));
        var record = new Proto.PeerRecord { PeerId = ByteString.CopyFrom(Peer.Bytes.Span), Seq = Sequence };
        foreach (var address in Addresses)
            record.Addresses.Add(new Proto.PeerRecord.Types.AddressInfo { Multiaddr = ByteString.CopyFrom(address.ToBytes()) });
        return SignedEnvelope.Seal(key, Domain, PayloadType, record.ToByteArray());
    }

    /// <summary>
    /// Opens a signed peer record: the envelope verifies, carries a peer record, was signed by that peer, and, when
    /// <paramref name="expectedPeer"/> is given, is that peer's (the one it came from, or was offered for).
    /// </summary>
    /// <exception cref="FormatException">Anything else, with what was wrong.</exception>
    public static PeerRecord Open(ReadOnlySpan<byte> envelope, PeerId? expectedPeer = null)
    {
        var opened = SignedEnvelope.Open(envelope, Domain);
        if (!opened.PayloadType.Span.SequenceEqual(PayloadType))
            throw new FormatException($"signed envelope carries payload type {Convert.ToHexString(opened.PayloadType.Span)}, not a peer record (0301)");
        Proto.PeerRecord record;
        try
        {
            record = Proto.PeerRecord.Parser.ParseFrom(opened.Payload.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FormatException($"not a peer record: {e.Message}", e);
        }
        PeerId peer;
        try
        {
            peer = PeerId.FromBytes(record.PeerId.Span);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new FormatException($"peer record with a malformed peer ID: {e.Message}", e);
        }
        if (!peer.Matches(opened.Signer))
            throw new FormatException($"peer record of {peer} signed by another key ({opened.Signer.ToPeerId()})");
        if (expectedPeer is { } expected && peer != expected)
            throw new FormatException($"the peer record is {peer}'s, not {expected}'s");
        if (record.Addresses.Count > MaxAddresses)
            throw new FormatException($"peer record with {record.Addresses.Count} addresses (at most {MaxAddresses})");
        var addresses = new List<Multiaddress>(record.Addresses.Count);
        foreach (var info in record.Addresses)
            addresses.Add(Multiaddress.FromBytes(info.Multiaddr.Span)); // FormatException names the fault
        return new PeerRecord(peer, record.Seq, addresses);
    }
}
