using System.Threading.Channels;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market.Messages;
using Cerebrum.Core.Market.Protocols;
using Cerebrum.Core.Market.Proto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Resources;
using Cerebrum.Core.PubSub;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Market.Gossip;

/// <summary>
/// The market on gossipsub: the validator of <c>cerebrum/1/offers</c> (a bad offer or job request is rejected, so its
/// sender and relays lose score; an accepted offer goes into the <see cref="Marketplace.Offers"/> book), publishing
/// this daemon's offers and job requests, and, on a node, quoting the job requests it can serve over
/// <c>/cerebrum/bid/1.0.0</c> (at most <see cref="MaxQueuedQuotes"/> waiting; more are dropped, not queued).
/// </summary>
public sealed class MarketGossip : IAsyncDisposable
{
    public const int MaxQueuedQuotes = 64;

    private readonly GossipRouter _router;
    private readonly PeerHost _host;
    private readonly Marketplace _market;
    private readonly PrivateKey _identity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly Channel<VerifiedJobRequest> _quotes = Channel.CreateBounded<VerifiedJobRequest>(new BoundedChannelOptions(MaxQueuedQuotes) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _started;

    public MarketGossip(GossipRouter router, PeerHost host, Marketplace market, PrivateKey identity, TimeProvider time, ILogger logger)
    {
        _router = router;
        _host = host;
        _market = market;
        _identity = identity;
        _time = time;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
    }

    /// <summary>Set on a node: what it can quote now; null makes the daemon quote nothing.</summary>
    public Func<NodeQuoteState>? QuoteState { get; set; }

    /// <summary>Registers the topic's validator (before the topic is joined) and starts answering job requests.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) throw new InvalidOperationException("the market's gossip is already started");
        _router.RegisterValidator(MarketTopics.Offers, ValidateAsync);
        _tasks.Run("market quotes", SendQuotesAsync);
    }

    /// <summary>Signs and publishes an offer (best effort: no peers yet is not an error).</summary>
    public Task PublishOfferAsync(Offer offer, CancellationToken ct) =>
        PublishAsync(new OfferGossip { Offer = MarketSigning.Sign(_identity, MarketMessageKind.Offer, offer) }, ct);

    /// <summary>Opens <paramref name="request"/> for quotes and publishes it.</summary>
    public Task PublishJobRequestAsync(JobRequest request, CancellationToken ct)
    {
        _market.Quotes.Register(request);
        return PublishAsync(new OfferGossip { JobRequest = MarketSigning.Sign(_identity, MarketMessageKind.JobRequest, request) }, ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _started) != 0) _router.UnregisterValidator(MarketTopics.Offers);
        _quotes.Writer.TryComplete();
        await _tasks.DisposeAsync().ConfigureAwait(false);
    }

    private async Task PublishAsync(OfferGossip gossip, CancellationToken ct)
    {
        var payload = gossip.ToByteArray();
        // Our own messages are kept as everyone else's are.
        Accept(_market.Validator.ValidateGossip(payload, _time.GetUtcNow()));
        try
        {
            await _router.PublishAsync(MarketTopics.Offers, payload, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            _logger.LogDebug("Gossip on {Topic} failed: {Reason}", MarketTopics.Offers, e.Message);
        }
    }

    private ValueTask<ValidationResult> ValidateAsync(PubSubMessage message, CancellationToken cancellationToken)
    {
        var verdict = _market.Validator.ValidateGossip(message.Data.Span, _time.GetUtcNow());
        if (verdict.Result == ValidationResult.Reject)
            _logger.LogDebug("Rejected a market message from {Peer}: {Reason}", message.ReceivedFrom, verdict.Reason);
        if (message.ReceivedFrom != _router.LocalPeer) Accept(verdict);
        return ValueTask.FromResult(verdict.Result);
    }

    private void Accept(MarketVerdict<object> verdict)
    {
        switch (verdict.Value)
        {
            case VerifiedOffer offer:
                _market.Offers.Add(offer, _time.GetUtcNow());
                break;
            case VerifiedJobRequest request when QuoteState is not null && request.Requester != _identity.PeerId:
                _quotes.Writer.TryWrite(request);
                break;
        }
    }

    private async Task SendQuotesAsync(CancellationToken stopping)
    {
        await foreach (var request in _quotes.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
        {
            if (QuoteState?.Invoke() is not { } state) continue;
            var (quote, reason) = _market.QuoteDesk.Answer(request, state.Models, state.FreeSlots, state.Leased, _time.GetUtcNow());
            if (quote is null)
            {
                _logger.LogDebug("Not quoting {Requester}'s job request: {Reason}", request.Requester, reason);
                continue;
            }
            if (request.Addresses.Count > 0) _host.PeerStore.AddAddresses(request.Requester, request.Addresses);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                var answer = await BidProtocol.SendAsync(_host, request.Requester, quote, timeout.Token).ConfigureAwait(false);
                if (answer.Error is { } refused) _logger.LogDebug("{Requester} refused our quote: {Reason}", request.Requester, refused.Message);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or DialException or ProtocolNotSupportedException or ResourceLimitExceededException
                                       || (e is OperationCanceledException && !stopping.IsCancellationRequested))
            {
                _logger.LogDebug("Quote to {Requester} not delivered: {Reason}", request.Requester, e.Message);
            }
        }
    }
}
