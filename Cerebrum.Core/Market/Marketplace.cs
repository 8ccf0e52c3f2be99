using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Leases;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Offers;
using Cerebrum.Core.Market.Payments;
using Cerebrum.Core.Market.Storage;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Market;

/// <summary>
/// The Market layer's entry type: one daemon's side of the market over its ledger view and <c>DIR/market.db</c>. As a
/// node: the vouchers it is paid with (<see cref="Payee"/>) and their claims (<see cref="Claimer"/>, checked every
/// <see cref="ClaimOptions.Interval"/> once <see cref="Start"/>ed), its leases (<see cref="Leases"/>) and quotes
/// (<see cref="QuoteDesk"/>). As a payer (gateway, job runner, tenant): its channels (<see cref="Payer"/>) and the quotes
/// it asked for (<see cref="Quotes"/>). For everyone: the offers heard (<see cref="Offers"/>) and the message checks.
/// </summary>
public sealed class Marketplace : IAsyncDisposable
{
    private readonly BackgroundTasks _tasks;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly PrivateKey _identity;
    private readonly Func<byte[], TransactionSubmission> _submit;
    private readonly Lock _signing = new();
    private ulong _lastNonce;
    private readonly Dictionary<string, DateTimeOffset> _settlesSent = new(StringComparer.Ordinal);

    private Marketplace(MarketStore store, ChainNode chain, PrivateKey identity, MarketOptions options, Func<byte[], TransactionSubmission> submit, ILogger logger, TimeProvider time)
    {
        Store = store;
        Chain = chain;
        Options = options;
        _logger = logger;
        _time = time;
        _identity = identity;
        _submit = submit;
        _tasks = new BackgroundTasks(logger);
        Validator = new MarketMessageValidator(chain.ChainId, options.Limits);
        Payee = new VoucherBook(store, chain, identity.PeerId, time);
        Payer = new ChannelBook(store, chain, identity, options.CreditWindow);
        Claimer = new VoucherClaimer(Payee, chain, options.Claims, Submit, time);
        Leases = new LeaseDesk(chain, identity, store, options.Lease, Validator, time);
        // Offers of nodes the ledger knows are kept before fresh keys' (Active, then registered, then unknown).
        Offers = new OfferBook(options.MaxOffers, node => chain.GetNode(node) switch
        {
            null => 0,
            { Lifecycle: NodeLifecycle.Active } => 2,
            _ => 1,
        });
        QuoteDesk = new QuoteDesk(identity, chain.ChainId, options.QuoteLifetime);
    }

    /// <summary>Opens <c>DIR/market.db</c>; <paramref name="submit"/> admits a signed transaction to the ledger and gossips it.</summary>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    /// <exception cref="IOException">The store cannot be opened.</exception>
    public static Marketplace Open(string dataDirectory, ChainNode chain, PrivateKey identity, MarketOptions options, Func<byte[], TransactionSubmission> submit, ILogger logger, TimeProvider time)
    {
        options.Validate();
        return new Marketplace(MarketStore.Open(dataDirectory, logger), chain, identity, options, submit, logger, time);
    }

    public MarketOptions Options { get; }

    public ChainNode Chain { get; }

    public MarketStore Store { get; }

    public MarketMessageValidator Validator { get; }

    public VoucherBook Payee { get; }

    public ChannelBook Payer { get; }

    public VoucherClaimer Claimer { get; }

    public LeaseDesk Leases { get; }

    public OfferBook Offers { get; }

    public QuoteDesk QuoteDesk { get; }

    public QuoteBook Quotes { get; } = new();

    public PeerId Identity => _identity.PeerId;

    /// <summary>
    /// Completes <paramref name="body"/> (chain id, the account's next nonce, the minimum fee unless one is set), signs it
    /// with this daemon's key and submits it (admitted to the ledger's mempool and gossiped). One at a time, so the
    /// market's own transactions never race for a nonce.
    /// </summary>
    public TransactionSubmission Submit(Transaction body)
    {
        lock (_signing) return SubmitLocked(body);
    }

    /// <summary>Opens a channel to <paramref name="node"/> funded with <paramref name="amount"/>: its id (lower-case hex) and the submission.</summary>
    public (string ChannelId, TransactionSubmission Result) OpenChannel(PeerId node, ulong amount)
    {
        lock (_signing)
        {
            var result = SubmitLocked(new Transaction { OpenChannel = new OpenChannel { Node = Google.Protobuf.ByteString.CopyFrom(node.Bytes.Span), Amount = amount } });
            return (PaymentIds.ToHex(PaymentIds.Channel(_identity.PeerId, _lastNonce)), result);
        }
    }

    private TransactionSubmission SubmitLocked(Transaction body)
    {
        body.ChainId = Chain.ChainId;
        body.Nonce = _lastNonce = Chain.GetNextNonce(_identity.PeerId);
        if (body.Fee == 0) body.Fee = Chain.Params.MinFee;
        return _submit(TransactionCodec.Sign(_identity, body));
    }

    /// <summary>Settles this payer's closing channels whose deadline has passed, returning the rest to it (once each, retried after a minute).</summary>
    public IReadOnlyList<(string ChannelId, TransactionSubmission Result)> SettleDue()
    {
        var blockTime = Chain.Status.LastTime;
        var now = _time.GetUtcNow();
        var sent = new List<(string, TransactionSubmission)>();
        foreach (var channel in Payer.Snapshot())
        {
            if (channel.Ledger is not { SettleAtUnixMs: > 0 } ledger || !ledger.Payer.Span.SequenceEqual(_identity.PeerId.Bytes.Span)) continue;
            if (blockTime.ToUnixTimeMilliseconds() < ledger.SettleAtUnixMs) continue;
            lock (_settlesSent)
            {
                if (_settlesSent.TryGetValue(channel.ChannelId, out var at) && now - at < TimeSpan.FromMinutes(1)) continue;
                _settlesSent[channel.ChannelId] = now;
            }
            sent.Add((channel.ChannelId, Submit(new Transaction { SettleChannel = new SettleChannel { ChannelId = Google.Protobuf.ByteString.CopyFrom(Convert.FromHexString(channel.ChannelId)) } })));
        }
        return sent;
    }

    /// <summary>Starts the claim loop: due claims at once (what a crash left), then every <see cref="ClaimOptions.Interval"/>.</summary>
    public void Start() => _tasks.Run("voucher claims", async stopping =>
    {
        using var timer = new PeriodicTimer(Options.Claims.Interval, _time);
        do
        {
            foreach (var sent in Claimer.ClaimDue())
            {
                if (sent.Error is null)
                    _logger.LogInformation("Claimed {Amount} micro-CER on channel {Channel} ({Reason}): transaction {Hash}", sent.Amount, sent.ChannelId, sent.Reason, sent.TransactionHash);
                else
                    _logger.LogWarning("Claim of {Amount} micro-CER on channel {Channel} refused: {Error}", sent.Amount, sent.ChannelId, sent.Error);
            }
            Payee.Prune();
            foreach (var (channel, result) in SettleDue())
            {
                if (result.Error is null) _logger.LogInformation("Settling closed channel {Channel}: transaction {Hash}", channel, Convert.ToHexStringLower(result.Hash!));
                else _logger.LogWarning("Settling channel {Channel} refused: {Error}", channel, result.Error);
            }
        }
        while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
    });

    public async ValueTask DisposeAsync()
    {
        await _tasks.DisposeAsync().ConfigureAwait(false);
        Payee.Dispose();
        Payer.Dispose();
        await Store.DisposeAsync().ConfigureAwait(false);
    }
}
