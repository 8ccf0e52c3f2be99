namespace Cerebrum.Core.Market.Messages;

/// <summary>The kinds of signed market message; each has its own signing domain.</summary>
public enum MarketMessageKind
{
    Offer,
    JobRequest,
    Quote,
}
