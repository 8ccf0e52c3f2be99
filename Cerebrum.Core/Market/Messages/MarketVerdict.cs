using Cerebrum.Core.PubSub;

namespace Cerebrum.Core.Market.Messages;

/// <summary>
/// What a market validator made of a message: the gossip verdict (<c>Reject</c> when the author is to blame, so relays
/// of it lose score; <c>Ignore</c> for what an honest relay may pass on, such as a message that expired in transit),
/// why, and the verified value when accepted.
/// </summary>
public sealed record MarketVerdict<T>(ValidationResult Result, string Reason, T? Value)
    where T : class
{
    public bool IsAccepted => Result == ValidationResult.Accept;
}

/// <summary>Builds <see cref="MarketVerdict{T}"/>s.</summary>
public static class MarketVerdict
{
    public static MarketVerdict<T> Reject<T>(string reason) where T : class => new(ValidationResult.Reject, reason, null);

    public static MarketVerdict<T> Ignore<T>(string reason) where T : class => new(ValidationResult.Ignore, reason, null);

    public static MarketVerdict<T> Accept<T>(T value) where T : class => new(ValidationResult.Accept, "valid", value);
}
