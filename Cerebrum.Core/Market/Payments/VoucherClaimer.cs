using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Market.Payments;

/// <summary>
/// Redeems a node's best vouchers: builds and signs <c>ClaimChannel</c> transactions for the channels the
/// <see cref="ClaimPolicy"/> finds due (or those asked for), and hands them to <c>submit</c> (which admits them to the
/// ledger and gossips them). Nothing is lost by a crash: the vouchers are in <c>market.db</c>, and the first check
/// after a start claims what waits.
/// </summary>
/// <param name="submit">Completes (chain id, nonce, fee), signs with the node's key and submits a transaction body.</param>
public sealed class VoucherClaimer(VoucherBook book, ChainNode chain, ClaimOptions options, Func<Transaction, TransactionSubmission> submit, TimeProvider time)
{
    private readonly Lock _gate = new();
    private bool _checked;

    /// <summary>Claims every channel due now.</summary>
    public IReadOnlyList<ClaimSent> ClaimDue()
    {
        lock (_gate)
        {
            var firstCheck = !_checked;
            _checked = true;
            var now = time.GetUtcNow();
            var blockTime = chain.Status.LastTime.ToUnixTimeMilliseconds();
            var sent = new List<ClaimSent>();
            foreach (var channel in book.Snapshot())
                if (ClaimPolicy.Due(channel, options, now, blockTime, firstCheck) is { } reason)
                    sent.Add(Claim(channel, reason));
            return sent;
        }
    }

    /// <summary>Claims now whatever is unclaimed on <paramref name="channelId"/> (lower-case hex), or on every channel when null.</summary>
    public IReadOnlyList<ClaimSent> ClaimNow(string? channelId)
    {
        lock (_gate)
            return [.. book.Snapshot().Where(c => c.Unclaimed > 0 && (channelId is null || c.ChannelId == channelId)).Select(c => Claim(c, "asked for"))];
    }

    private ClaimSent Claim(PayeeChannelView channel, string reason)
    {
        var voucher = channel.Best!;
        var result = submit(new Transaction { Fee = options.Fee, ClaimChannel = new ClaimChannel { Voucher = voucher } });
        if (result.Error is { } error) return new ClaimSent(channel.ChannelId, voucher.Amount, reason, null, error.ToString());
        book.MarkClaimSent(channel.ChannelId, voucher.Amount);
        return new ClaimSent(channel.ChannelId, voucher.Amount, reason, Convert.ToHexStringLower(result.Hash!), null);
    }
}
