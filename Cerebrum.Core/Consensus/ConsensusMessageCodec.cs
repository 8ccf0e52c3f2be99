using Google.Protobuf;

namespace Cerebrum.Core.Consensus;

/// <summary>Encodes consensus messages as the protobuf <c>ConsensusMessage</c> (the payload on cerebrum/1/consensus) and decodes them safely.</summary>
public static class ConsensusMessageCodec
{
    private static readonly MessageParser<Proto.ConsensusMessage> DiscardingParser = Proto.ConsensusMessage.Parser.WithDiscardUnknownFields(true);

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

    /// <summary>
    /// Decodes a message; never throws on bad input. Only the canonical encoding is accepted (what <see cref="Encode"/>
    /// gives for the decoded message: no unknown, repeated or reordered fields, no padding), so that one message has
    /// one payload, and so one gossip message id (the payload's SHA-256): nobody can re-wrap a message into a new one.
    /// </summary>
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
            var wire = DiscardingParser.ParseFrom(bytes);
            var decoded = wire.MessageCase switch
            {
                Proto.ConsensusMessage.MessageOneofCase.Proposal => (ConsensusMessage)SignedProposal.FromProto(wire.Proposal),
                Proto.ConsensusMessage.MessageOneofCase.Vote => SignedVote.FromProto(wire.Vote),
                Proto.ConsensusMessage.MessageOneofCase.Decision => Decision.FromProto(wire.Decision),
                _ => throw new FormatException("empty consensus message"),
            };
            if (!bytes.SequenceEqual(Encode(decoded)))
                throw new FormatException("not the canonical encoding of the message (unknown, repeated or out-of-order fields, or padded numbers)");
            message = decoded;
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
