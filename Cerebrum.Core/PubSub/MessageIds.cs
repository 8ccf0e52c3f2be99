using System.Security.Cryptography;
using Cerebrum.Core.PubSub.Proto;

namespace Cerebrum.Core.PubSub;

/// <summary>The standard message-id functions.</summary>
public static class MessageIds
{
    /// <summary>The pubsub default: from concatenated with seqno.</summary>
    public static MessageId FromAndSeqno(Message message)
    {
        var from = message.HasFrom ? message.From.Span : default;
        var seqno = message.HasSeqno ? message.Seqno.Span : default;
        var id = new byte[from.Length + seqno.Length];
        from.CopyTo(id);
        seqno.CopyTo(id.AsSpan(from.Length));
        return new MessageId(id);
    }

    /// <summary>For StrictNoSign topics whose payloads carry their own signatures.</summary>
    public static MessageId Sha256OfData(Message message) =>
        new(SHA256.HashData(message.HasData ? message.Data.Span : default));
}
