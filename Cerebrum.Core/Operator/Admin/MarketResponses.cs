namespace Cerebrum.Core.Operator.Admin;

/// <summary>
/// One payment channel of this daemon (<c>GET /market/channels</c>), as payer or as node; amounts in micro-CER.
/// </summary>
/// <param name="Role">"payer" (this daemon pays into it) or "node" (it is paid from it).</param>
/// <param name="Paid">What the payer's vouchers promise in total: signed (payer) or the best voucher received (node).</param>
/// <param name="Claimed">What the ledger has paid out of it to the node (with the take).</param>
/// <param name="State">"open", "closing" (the node may still claim until <see cref="SettleAt"/>) or "settled" (gone from the ledger).</param>
public sealed record ChannelResponse(string Id, string Role, string Payer, string Node, ulong Deposit, ulong Paid, ulong Claimed, string State, DateTime? SettleAt)
{
    public const string Open = "open";
    public const string Closing = "closing";
    public const string Settled = "settled";
}

/// <summary>The body of <c>POST /market/channels</c>: open a channel to <see cref="Node"/> with <see cref="Amount"/> micro-CER.</summary>
public sealed record OpenChannelRequest(string Node, ulong Amount);

/// <summary>The body of <c>POST /market/channels/{id}/topup</c>.</summary>
public sealed record TopUpChannelRequest(ulong Amount);

/// <summary>A market transaction this daemon signed and submitted: the channel or lease it concerns and the transaction's hash (wait for it with <c>GET /chain/txs/{hash}</c>).</summary>
public sealed record MarketTransactionResponse(string Id, string Hash);

/// <summary>One claim sent by <c>POST /market/channels/claim</c> (body: an optional channel id).</summary>
public sealed record ClaimResponse(string ChannelId, ulong Amount, string? Hash, string? Error);

/// <summary>The body of <c>POST /market/channels/claim</c>: one channel (64 hex digits), or every channel with value to claim.</summary>
public sealed record ClaimRequest(string? ChannelId);

/// <summary>The body of <c>POST /market/leases</c>: lease <see cref="Node"/> for <see cref="Hours"/> at no more than <see cref="MaxPricePerHour"/> (its offer's price when null).</summary>
public sealed record OpenLeaseRequest(string Node, uint Hours, ulong? MaxPricePerHour, IReadOnlyList<string>? Delegates);

/// <summary>One lease of this daemon (<c>GET /market/leases</c>), as tenant or node; times UTC, amounts in micro-CER.</summary>
/// <param name="Accrued">What the node has earned by the last block's time.</param>
/// <param name="State">"active" or "ended" (its time is up and nobody closed it yet).</param>
public sealed record LeaseResponse(string Id, string Role, string Tenant, string Node, uint Hours, ulong PricePerHour, ulong Prepaid, ulong Accrued,
    DateTime Start, DateTime End, string State)
{
    public const string Active = "active";
    public const string Ended = "ended";
}

/// <summary>One model an offer lists.</summary>
public sealed record OfferedModelResponse(string Hash, string Name, string Task, ulong PricePerRequest);

/// <summary>One offer heard on <c>cerebrum/1/offers</c> (<c>GET /market/offers</c>).</summary>
/// <param name="LeasePricePerHour">Null when the node does not rent itself out.</param>
/// <param name="LeasedUntil">Set while the node is leased.</param>
public sealed record OfferResponse(string Node, IReadOnlyList<OfferedModelResponse> Models, ulong? LeasePricePerHour, uint LeaseMinHours, uint LeaseMaxHours,
    string Hardware, string Region, uint FreeSlots, DateTime? LeasedUntil, DateTime Expires, IReadOnlyList<string> Addresses);
