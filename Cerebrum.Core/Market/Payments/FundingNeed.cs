namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// Why a payer could not pay a node now: it has no open channel to it (<see cref="ChannelId"/> null), or the channel's
/// deposit is short by <see cref="Shortfall"/>. The payer (or its gateway) opens or tops up, and pays once that commits.
/// </summary>
public sealed record FundingNeed(string? ChannelId, ulong Shortfall);
