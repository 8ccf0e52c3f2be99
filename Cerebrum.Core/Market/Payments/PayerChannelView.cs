using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Market.Payments;

/// <summary>A copy of what a payer knows of one of its channels (for the admin API, the CLI and the dashboard).</summary>
/// <param name="Ledger">The channel on the ledger as last read; null when it is not (or no longer) there.</param>
public sealed record PayerChannelView(string ChannelId, string Node, ulong Signed, ulong Nonce, ulong Spent, ChannelState? Ledger);
