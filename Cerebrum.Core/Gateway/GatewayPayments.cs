using System.Collections.Concurrent;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Protocol;
using Cerebrum.Core.Market;
using Cerebrum.Core.Market.Payments;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// A gateway paying the nodes it routes to: each job to a priced node carries a cumulative voucher on the gateway's
/// channel to that node (the market's <see cref="ChannelBook"/>). The book's new state is queued to the market store but
/// the job does not wait for that write (it would add a disk write to every request's latency): losing it in a crash can
/// only make the gateway remember less than it signed, never more, and the node's best voucher (signed by the gateway,
/// so verifiable) resynchronises it on the first refused job; a job with a grant key (a batch job) still waits, since
/// its resend after a crash re-presents the recorded grant. Without a channel, or
/// with too little deposit, it opens or tops one up (<see cref="GatewayPaymentOptions.Deposit"/>) and the job waits for
/// the block. A job the node refused is given back to the channel; when the node holds a better voucher of ours than we
/// remember (we lost state), we adopt it and pay again. What each job paid is added to the HTTP request's
/// <see cref="RequestSpend"/>.
/// </summary>
public sealed class GatewayPayments
{
    private readonly Marketplace _market;
    private readonly GatewayPaymentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<PeerId, Funding> _funding = new();

    /// <exception cref="ArgumentException">Invalid <paramref name="options"/>.</exception>
    public GatewayPayments(Marketplace market, GatewayPaymentOptions options, TimeProvider time, ILogger logger)
    {
        options.Validate();
        _market = market;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public GatewayPaymentOptions Options => _options;

    /// <summary>Runs a job on <paramref name="node"/> through <paramref name="run"/> (given the payment to send), paying <paramref name="price"/>.</summary>
    /// <param name="grantKey">
    /// A key the job keeps across a crash of this process (a batch job's request key): the payment is recorded under it
    /// with the channel's state, and a job run again under the same key re-presents that payment instead of paying again
    /// (the node answers a request it already ran from its answers, free). The caller forgets it with
    /// <see cref="ChannelBook.Forget"/> once the job's outcome is recorded.
    /// </param>
    /// <exception cref="InferCallException">The node refused or failed the job, or the gateway cannot pay it (a NodeError of payment_required).</exception>
    public async Task<InferCallResult> RunAsync(PeerId node, ulong price, Func<InferPayment?, Task<InferCallResult>> run, CancellationToken ct, string? grantKey = null)
    {
        // A node leased to this gateway serves it free (the lease prepaid the time): a voucher would promise money for
        // nothing. Should the node not know of the lease yet, it names its price and the job is paid as usual.
        if (price != 0 && IsLeasedToUs(node)) price = 0;
        if (grantKey is not null && _market.Payer.Recorded(grantKey) is { } recorded)
        {
            try
            {
                var replayed = await run(new InferPayment(recorded.ChannelId, recorded.Voucher?.ToByteArray(), recorded.Price)).ConfigureAwait(false);
                RequestSpend.Current?.Add(replayed.Binding?.Price ?? recorded.Price);
                return replayed;
            }
            catch (InferCallException e) when (e.Failure == InferCallFailure.NodeError)
            {
                // The node did not take the recorded payment (it never saw the job, and its credit moved on): pay afresh.
                _market.Payer.Refund(recorded, grantKey);
                if (e.NodeError != InferenceErrorCode.PaymentRequired) throw;
                if (e.BestVoucher is { } best) TryResync(best);
            }
        }
        if (price == 0)
        {
            try
            {
                return await run(null).ConfigureAwait(false);
            }
            catch (InferCallException e) when (e.NodeError == InferenceErrorCode.PaymentRequired && e.Price > 0)
            {
                // No heartbeat told us the price yet; the node named it.
                price = e.Price;
            }
        }
        if (_options.MaxPricePerRequest != 0 && price > _options.MaxPricePerRequest)
            throw Unpaid(price, $"{node} asks {price} micro-CER a job, above this gateway's maximum of {_options.MaxPricePerRequest} (Gateway:Payments:MaxPricePerRequest)");
        for (var resyncs = 0; ;)
        {
            var grant = await GrantAsync(node, price, grantKey, ct).ConfigureAwait(false);
            try
            {
                var result = await run(new InferPayment(grant.ChannelId, grant.Voucher?.ToByteArray(), price)).ConfigureAwait(false);
                RequestSpend.Current?.Add(result.Binding?.Price ?? price);
                return result;
            }
            catch (InferCallException e) when (e.NodeError == InferenceErrorCode.PaymentRequired)
            {
                _market.Payer.Refund(grant, grantKey);
                if (resyncs++ < 2 && e.BestVoucher is { } best && TryResync(best)) continue;
                if (resyncs <= 2 && (PaymentErrorCode)e.PaymentError == PaymentErrorCode.UnknownChannel)
                {
                    // The node did not keep the voucher of a channel it did not know: the retry sends one again.
                    _market.Payer.ResendNext(grant);
                    // The node's ledger view is a block behind ours: give it that block.
                    await NextBlockAsync(ct).ConfigureAwait(false);
                    continue;
                }
                throw;
            }
            catch (InferCallException e) when (e.Failure == InferCallFailure.NodeError)
            {
                // The node answered an error, so it charged nothing: the price goes back to the channel's credit.
                _market.Payer.Refund(grant, grantKey);
                throw;
            }
        }
    }

    /// <summary>
    /// The voucher for one job of <paramref name="price"/> on the channel to <paramref name="node"/> (opened or topped up
    /// first when needed); traced as <see cref="GatewayTracing.Payment"/>, a child of the attempt. Durable before it is
    /// sent only with a <paramref name="grantKey"/> (see the class's summary on why the others need not wait).
    /// </summary>
    private async Task<PaymentGrant> GrantAsync(PeerId node, ulong price, string? grantKey, CancellationToken ct)
    {
        using var span = GatewayTracing.Source.StartActivity(GatewayTracing.Payment);
        span?.SetTag(NodeTag, node.ToString());
        while (true)
        {
            var (grant, need) = _market.Payer.Pay(node, price, default, grantKey);
            if (grant is null)
            {
                span?.SetTag(FundedTag, true);
                await FundAsync(node, need!, ct).ConfigureAwait(false);
                continue;
            }
            // Without a grant key the write goes on in the background (a failure is logged by the store).
            if (grantKey is not null) await grant.Durable.WaitAsync(ct).ConfigureAwait(false);
            return grant;
        }
    }

    /// <summary>Whether the ledger has <paramref name="node"/> (registered) under a running lease whose tenant is this gateway.</summary>
    private bool IsLeasedToUs(PeerId node)
    {
        if (_market.Chain.GetNode(node) is not { LeaseId.IsEmpty: false } state || _market.Chain.GetLease(state.LeaseId.Span) is not { } lease) return false;
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return lease.StartUnixMs <= now && now < lease.EndUnixMs && lease.Tenant.Span.SequenceEqual(_market.Identity.Bytes.Span);
    }

    private const string NodeTag = "cerebrum.node";
    private const string FundedTag = "cerebrum.funded";

    private bool TryResync(byte[] encoded)
    {
        try
        {
            return _market.Payer.Resync(Voucher.Parser.ParseFrom(encoded));
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    /// <summary>Opens or tops up the channel to <paramref name="node"/> (once per node at a time) and waits for a block.</summary>
    private async Task FundAsync(PeerId node, FundingNeed need, CancellationToken ct)
    {
        using var block = new BlockWait(_market.Chain);
        var now = _time.GetUtcNow();
        var funding = _funding.GetOrAdd(node, static _ => new Funding());
        lock (funding)
        {
            if (funding.SentAt is not { } sent || now - sent >= _options.FundingRetry)
            {
                var amount = Math.Max(_options.Deposit, need.Shortfall);
                TransactionSubmission result;
                if (need.ChannelId is null)
                {
                    (var channel, result) = _market.OpenChannel(node, amount);
                    if (result.Accepted) _logger.LogInformation("Opening payment channel {Channel} to {Node} with {Amount} micro-CER", channel, node, amount);
                }
                else
                {
                    result = _market.Submit(new Transaction { TopUpChannel = new TopUpChannel { ChannelId = ByteString.CopyFrom(Convert.FromHexString(need.ChannelId)), Amount = amount } });
                    if (result.Accepted) _logger.LogInformation("Topping up payment channel {Channel} to {Node} by {Amount} micro-CER", need.ChannelId, node, amount);
                }
                if (result.Error is { } error)
                    throw Unpaid(0, $"this gateway cannot fund a channel to {node}: {error.Message}");
                funding.SentAt = now;
            }
        }
        await block.WaitAsync(ct).ConfigureAwait(false);
        lock (funding)
        {
            // Once the ledger shows money for the node again, the next shortage sends at once.
            if (_market.Payer.Snapshot().Any(c => c.Node == node.ToString() && c.Ledger is { SettleAtUnixMs: 0 } l && l.Deposit > c.Spent)) funding.SentAt = null;
        }
    }

    private async Task NextBlockAsync(CancellationToken ct)
    {
        using var block = new BlockWait(_market.Chain);
        await block.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The next committed block, subscribed before the caller acts so none is missed; at most <see cref="Recheck"/> of
    /// waiting, after which the caller looks again (a block may have come between its check and the subscription).
    /// </summary>
    private sealed class BlockWait : IDisposable
    {
        private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(1);
        private readonly ChainNode _chain;
        private readonly TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public BlockWait(ChainNode chain)
        {
            _chain = chain;
            _chain.BlockCommitted += OnBlock;
        }

        public async Task WaitAsync(CancellationToken ct)
        {
            try
            {
                await _committed.Task.WaitAsync(Recheck, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Look again: the ledger may have moved before we subscribed.
            }
        }

        public void Dispose() => _chain.BlockCommitted -= OnBlock;

        private void OnBlock(object? sender, BlockCommittedEventArgs e) => _committed.TrySetResult();
    }

    private static InferCallException Unpaid(ulong price, string message) =>
        new(InferCallFailure.NodeError, "payment_required: " + message, InferenceErrorCode.PaymentRequired) { Price = price };

    private sealed class Funding
    {
        public DateTimeOffset? SentAt;
    }
}
