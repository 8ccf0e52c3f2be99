namespace Cerebrum.Core.PubSub;

/// <summary>Per-topic message authoring rules.</summary>
public sealed record TopicOptions
{
    public SignaturePolicy SignaturePolicy { get; init; } = SignaturePolicy.StrictSign;

    /// <summary>Message-id function; null picks the policy's default (from||seqno, or SHA-256 of data for StrictNoSign).</summary>
    public MessageIdFunction? MessageId { get; init; }

    public MessageIdFunction ResolveMessageId() =>
        MessageId ?? (SignaturePolicy == SignaturePolicy.StrictNoSign ? MessageIds.Sha256OfData : MessageIds.FromAndSeqno);
}
