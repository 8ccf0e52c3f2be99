namespace Cerebrum.Core.PubSub;

/// <summary>Things the router dropped or refused, for monitoring and tests.</summary>
public sealed class GossipsubCounters
{
    public long MessagesReceived { get; internal set; }
    public long DuplicateMessages { get; internal set; }
    public long InvalidSignatures { get; internal set; }
    public long RejectedMessages { get; internal set; }
    public long IgnoredMessages { get; internal set; }
    public long ThrottledValidations { get; internal set; }
    public long GraylistedRpcs { get; internal set; }

    /// <summary>Messages in the RPCs dropped unread because their sender was graylisted.</summary>
    public long GraylistedMessages { get; internal set; }
    public long IgnoredIHaves { get; internal set; }
    public long IWantRetransmissionsRefused { get; internal set; }
    public long BrokenPromises { get; internal set; }
    public long GraftsDuringBackoff { get; internal set; }
    public long IgnoredIDontWants { get; internal set; }

    /// <summary>Message ids this router put in IDONTWANTs to its mesh peers (one per peer told).</summary>
    public long IDontWantsSent { get; internal set; }

    /// <summary>Message ids peers put in IDONTWANTs to this router, ignored ones included.</summary>
    public long IDontWantsReceived { get; internal set; }
    public long DroppedOutgoingRpcs { get; internal set; }
    public long DroppedSubscriptionMessages { get; internal set; }
    public long IgnoredSubscriptions { get; internal set; }
}
