namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// Decides which channels a node should claim now: never one with nothing unclaimed or with a claim for its best
/// voucher still pending; always a closing one near its deadline (missing it forfeits the value); otherwise when the
/// unclaimed value passes the threshold or has waited too long, or on the first check after a start.
/// </summary>
public static class ClaimPolicy
{
    /// <summary>Why <paramref name="channel"/> is due, or null when it is not.</summary>
    /// <param name="blockTimeUnixMs">The last block's time: deadlines are in block time.</param>
    public static string? Due(PayeeChannelView channel, ClaimOptions options, DateTimeOffset now, long blockTimeUnixMs, bool firstCheck)
    {
        if (channel.Unclaimed == 0 || channel.Best is not { } best || channel.Ledger is not { } ledger) return null;
        if (channel.PendingClaim is { } pending && pending.Amount >= best.Amount && now - pending.At < options.RetryAfter) return null;
        if (ledger.SettleAtUnixMs != 0)
        {
            if (blockTimeUnixMs >= ledger.SettleAtUnixMs) return null;
            if (ledger.SettleAtUnixMs - blockTimeUnixMs <= (long)options.DeadlineMargin.TotalMilliseconds) return "the channel's settle deadline is near";
        }
        if (channel.Unclaimed >= options.Threshold) return $"{channel.Unclaimed} micro-CER unclaimed (threshold {options.Threshold})";
        if (channel.UnclaimedSince is { } since && now - since >= options.MaxAge) return $"value unclaimed since {since:O}";
        return firstCheck && options.ClaimOnStart ? "unclaimed at start" : null;
    }
}
