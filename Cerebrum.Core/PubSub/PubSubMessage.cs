using Cerebrum.Core.Crypto;
using Cerebrum.Core.PubSub.Proto;

namespace Cerebrum.Core.PubSub;

/// <summary>A message as delivered to subscribers and validators.</summary>
public sealed class PubSubMessage
{
    internal PubSubMessage(Message wire, MessageId id, PeerId receivedFrom)
    {
        Wire = wire;
        Id = id;
        ReceivedFrom = receivedFrom;
    }

    public string Topic => Wire.Topic;

    public ReadOnlyMemory<byte> Data => Wire.Data.Memory;

    /// <summary>The author under StrictSign; null under StrictNoSign.</summary>
    public PeerId? From => Wire.HasFrom ? PeerId.FromBytes(Wire.From.Span) : null;

    /// <summary>The author's sequence number (8 bytes big-endian) under StrictSign; null otherwise.</summary>
    public ReadOnlyMemory<byte>? Seqno => Wire.HasSeqno ? Wire.Seqno.Memory : null;

    public MessageId Id { get; }

    /// <summary>The neighbour that first delivered it to us (ourselves for our own messages).</summary>
    public PeerId ReceivedFrom { get; }

    internal Message Wire { get; }
}
