namespace Cerebrum.Core.PubSub;

/// <summary>Per-topic message authoring rules.</summary>
public sealed record TopicOptions
{
    public SignaturePolicy SignaturePolicy { get; init; } = SignaturePolicy.StrictSign;

    /// <summary>Message-id function; null picks the policy's default (from||seqno, or SHA-256 of data for StrictNoSign).</summary>
    public MessageIdFunction? MessageId { get; init; }

    /// <summary>
    /// When the topic's validator answers Ignore, forget the message's id instead of remembering it as seen, so that
    /// a later copy is judged again: for protocols whose messages can become relevant later (consensus messages of a
    /// height this node has not reached yet) and are re-sent by their authors. An ignored message is never relayed either way.
    /// </summary>
    public bool RejudgeIgnored { get; init; }

    public MessageIdFunction ResolveMessageId() =>
        MessageId ?? (SignaturePolicy == SignaturePolicy.StrictNoSign ? MessageIds.Sha256OfData : MessageIds.FromAndSeqno);
}
