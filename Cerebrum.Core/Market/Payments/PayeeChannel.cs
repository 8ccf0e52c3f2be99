using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// What a node knows of one channel paying it: the payer's best voucher, what the jobs served have consumed of it,
/// since when value has waited to be claimed, and a cached view of the channel on the ledger. Guarded by its own lock.
/// </summary>
internal sealed class PayeeChannel(byte[] id)
{
    public Lock Gate { get; } = new();

    public byte[] Id { get; } = id;

    public string Hex { get; } = Convert.ToHexStringLower(id);

    public Voucher? Best { get; set; }

    public ulong Consumed { get; set; }

    /// <summary>When the best voucher first held value the ledger had not paid; null when none waits.</summary>
    public DateTimeOffset? UnclaimedSince { get; set; }

    /// <summary>The amount of the last claim sent and when; a claim is not repeated while it may still be pending.</summary>
    public (ulong Amount, DateTimeOffset At)? PendingClaim { get; set; }

    public ChannelState? Ledger { get; set; }

    public PublicKey? PayerKey { get; set; }

    public PeerId? Payer { get; set; }

    /// <summary>The block generation <see cref="Ledger"/> was read at; -1 before the first read.</summary>
    public long LedgerGeneration { get; set; } = -1;
}
