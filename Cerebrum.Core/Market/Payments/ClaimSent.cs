namespace Cerebrum.Core.Market.Payments;

/// <summary>A claim a node sent: the channel, the voucher amount claimed, why, and the transaction's hash or refusal.</summary>
public sealed record ClaimSent(string ChannelId, ulong Amount, string Reason, string? TransactionHash, string? Error);
