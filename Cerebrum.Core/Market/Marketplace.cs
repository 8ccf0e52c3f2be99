using Cerebrum.Core.Chain;
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

    private Marketplace(MarketStore store, ChainNode chain, PrivateKey identity, MarketOptions options, Func<byte[], TransactionSubmission> submit, ILogger logger, TimeProvider time)
    {
        Store = store;
        Chain = chain;
        Options = options;
        _logger = logger;
        _time = time;
        _tasks = new BackgroundTasks(logger);
        Validator = new MarketMessageValidator(chain.ChainId, options.Limits);
        Payee = new VoucherBook(store, chain, identity.PeerId, time);
        Payer = new ChannelBook(store, chain, identity, options.CreditWindow);
        Claimer = new VoucherClaimer(Payee, chain, identity, options.Claims, submit, time);
        Leases = new LeaseDesk(chain, identity, store, options.Lease, Validator, time);
        Offers = new OfferBook(options.MaxOffers);
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
