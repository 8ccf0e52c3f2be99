using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Market.Payments;

/// <summary>What a payer knows of one of its channels: the cumulative amount and nonce it has signed, and what its jobs have spent.</summary>
internal sealed class PayerChannel(byte[] id, PeerId node)
{
    public Lock Gate { get; } = new();

    public byte[] Id { get; } = id;

    public string Hex { get; } = Convert.ToHexStringLower(id);

    public PeerId Node { get; } = node;

    public ulong Signed { get; set; }

    public ulong Nonce { get; set; }

    public ulong Spent { get; set; }

    /// <summary>The node holds an older voucher than the payer's last (it refused a job before taking its voucher): sign again.</summary>
    public bool Resend { get; set; }

    public ChannelState? Ledger { get; set; }

    public long LedgerGeneration { get; set; } = -1;
}
