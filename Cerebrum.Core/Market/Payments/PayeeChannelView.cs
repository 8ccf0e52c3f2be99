using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Market.Payments;

/// <summary>A copy of what a node knows of one channel paying it (for the claim policy, the admin API and the CLI).</summary>
/// <param name="Best">The payer's best voucher, or null.</param>
/// <param name="Consumed">What the jobs served have used of it.</param>
/// <param name="Ledger">The channel on the ledger as last read, or null when the ledger no longer (or not yet) has it.</param>
public sealed record PayeeChannelView(
    string ChannelId,
    string? Payer,
    Voucher? Best,
    ulong Consumed,
    DateTimeOffset? UnclaimedSince,
    (ulong Amount, DateTimeOffset At)? PendingClaim,
    ChannelState? Ledger)
{
    /// <summary>What the best voucher holds beyond what the ledger has paid.</summary>
    public ulong Unclaimed => Best is { } best && Ledger is { } ledger && best.Amount > ledger.Paid ? best.Amount - ledger.Paid : 0;
}
