using Google.Protobuf;

namespace Cerebrum.Core.Consensus;

/// <summary>Encodes consensus messages as the protobuf <c>ConsensusMessage</c> (the payload on cerebrum/1/consensus) and decodes them safely.</summary>
public static class ConsensusMessageCodec
{
    public static byte[] Encode(ConsensusMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var wire = new Proto.ConsensusMessage();
        switch (message)
        {
            case SignedProposal p: wire.Proposal = p.ToProto(); break;
            case SignedVote v: wire.Vote = v.ToProto(); break;
            case Decision d: wire.Decision = d.ToProto(); break;
            default: throw new ArgumentException($"cannot encode {message.GetType().Name}", nameof(message));
        }
        return wire.ToByteArray();
    }

    /// <summary>Decodes a message; never throws on bad input.</summary>
    /// <summary>
    /// <paramref name="encoded"/> with <c>gossip_nonce</c> (field 15) set to <paramref name="nonce"/>: appending a field
    /// to an encoded protobuf message sets it, so the signed content stays byte for byte what it was.
    /// </summary>
    public static byte[] WithGossipNonce(ReadOnlySpan<byte> encoded, ulong nonce)
    {
        const byte tag = (15 << 3) | 0; // field 15, varint
        var payload = new byte[encoded.Length + 11];
        encoded.CopyTo(payload);
        var length = encoded.Length;
        payload[length++] = tag;
        while (nonce >= 0x80)
        {
            payload[length++] = (byte)(nonce | 0x80);
            nonce >>= 7;
        }
        payload[length++] = (byte)nonce;
        return payload.AsSpan(0, length).ToArray();
    }

    public static bool TryDecode(ReadOnlySpan<byte> bytes, int maxBytes, out ConsensusMessage? message, out string? error)
    {
        message = null;
        if (bytes.Length > maxBytes)
        {
            error = $"message has {bytes.Length} bytes, more than {maxBytes}";
            return false;
        }
        try
        {
            var wire = Proto.ConsensusMessage.Parser.ParseFrom(bytes);
            message = wire.MessageCase switch
            {
                Proto.ConsensusMessage.MessageOneofCase.Proposal => SignedProposal.FromProto(wire.Proposal),
                Proto.ConsensusMessage.MessageOneofCase.Vote => SignedVote.FromProto(wire.Vote),
                Proto.ConsensusMessage.MessageOneofCase.Decision => Decision.FromProto(wire.Decision),
                _ => throw new FormatException("empty consensus message"),
            };
            error = null;
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Protobuf, multihash and field checks each throw their own exception types; any of them means malformed.
            error = e.Message;
            return false;
        }
    }
}
