namespace Cerebrum.Core.Gateway;

/// <summary>
/// How a gateway pays nodes (config section <c>Gateway:Payments</c>): the deposit of each channel it opens (and of each
/// top-up), the most it pays a node per request, and how long a job waits for its channel to commit. Amounts in micro-CER.
/// </summary>
public sealed record GatewayPaymentOptions
{
    /// <summary>Deposit of a channel the gateway opens to a node, and the least it tops one up by.</summary>
    public ulong Deposit { get; init; } = 1_000_000;

    /// <summary>The most the gateway pays a node per request (a dearer node is not used); 0 is any price.</summary>
    public ulong MaxPricePerRequest { get; init; }

    /// <summary>After this, an open or top-up the ledger has not committed is sent again.</summary>
    public TimeSpan FundingRetry { get; init; } = TimeSpan.FromSeconds(30);

    /// <exception cref="ArgumentException">An invalid value, named.</exception>
    public void Validate()
    {
        if (Deposit == 0) throw new ArgumentException("Gateway:Payments:Deposit must be positive (micro-CER)");
        if (Deposit > long.MaxValue) throw new ArgumentException($"Gateway:Payments:Deposit is at most {long.MaxValue}");
        if (FundingRetry <= TimeSpan.Zero) throw new ArgumentException("Gateway:Payments:FundingRetry must be positive");
    }
}
