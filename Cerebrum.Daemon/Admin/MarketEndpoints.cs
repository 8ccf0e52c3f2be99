using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Payments;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Market;
using Cerebrum.Core.Market.Leases;
using Cerebrum.Core.Market.Protocols;
using Cerebrum.Core.Network.Dialing;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Operator.Admin;
using Cerebrum.Daemon.Market;
using Cerebrum.Daemon.Network;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MarketLeaseRequest = Cerebrum.Core.Market.Proto.LeaseRequest;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// <c>/market/*</c>: this daemon's payment channels (open, top up, close, claim), leases (ask a node, close) and the
/// offers it has heard. Transactions are signed with the daemon's key and submitted; the answer names the channel or
/// lease and the transaction, whose fate <c>GET /chain/txs/{hash}</c> tells. 503 when the daemon keeps no ledger.
/// </summary>
public static class MarketEndpoints
{
    private static readonly TimeSpan LeaseRequestTimeout = TimeSpan.FromSeconds(15);

    public static IEndpointRouteBuilder MapMarketEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.MarketChannels, (HttpContext http) =>
            MarketOf(http) is not { } market ? NoLedger() : Results.Ok(Channels(market)));

        endpoints.MapPost(AdminRoutes.MarketChannels, async (HttpContext http, CancellationToken cancellationToken) =>
        {
            if (MarketOf(http) is not { } market) return NoLedger();
            var request = await ReadAsync(http, AdminJsonContext.Default.OpenChannelRequest, cancellationToken);
            if (request is null) return Error(StatusCodes.Status400BadRequest, "the body must be {\"node\": PEER, \"amount\": N}");
            if (!PeerId.TryParse(request.Node, out var node, out var parseError)) return Error(StatusCodes.Status400BadRequest, $"'{request.Node}' is not a peer ID: {parseError}");
            var (channelId, result) = market.OpenChannel(node, request.Amount);
            return Submitted(result, () => channelId);
        });

        endpoints.MapPost(AdminRoutes.MarketChannelTopUp, async (HttpContext http, string id, CancellationToken cancellationToken) =>
        {
            if (MarketOf(http) is not { } market) return NoLedger();
            if (!PaymentIds.TryParse(id, out var channel)) return Error(StatusCodes.Status400BadRequest, $"'{id}' is not a channel id (64 hex digits)");
            var request = await ReadAsync(http, AdminJsonContext.Default.TopUpChannelRequest, cancellationToken);
            if (request is null) return Error(StatusCodes.Status400BadRequest, "the body must be {\"amount\": N}");
            return Submitted(market.Submit(new Transaction { TopUpChannel = new TopUpChannel { ChannelId = ByteString.CopyFrom(channel), Amount = request.Amount } }), () => id.ToLowerInvariant());
        });

        endpoints.MapPost(AdminRoutes.MarketChannelClose, (HttpContext http, string id) =>
        {
            if (MarketOf(http) is not { } market) return NoLedger();
            if (!PaymentIds.TryParse(id, out var channel)) return Error(StatusCodes.Status400BadRequest, $"'{id}' is not a channel id (64 hex digits)");
            return Submitted(market.Submit(new Transaction { CloseChannel = new CloseChannel { ChannelId = ByteString.CopyFrom(channel) } }), () => id.ToLowerInvariant());
        });

        endpoints.MapPost(AdminRoutes.MarketChannelClaim, async (HttpContext http, CancellationToken cancellationToken) =>
        {
            if (MarketOf(http) is not { } market) return NoLedger();
            var request = http.Request.ContentLength is > 0 ? await ReadAsync(http, AdminJsonContext.Default.ClaimRequest, cancellationToken) : new ClaimRequest(null);
            if (request is null) return Error(StatusCodes.Status400BadRequest, "the body must be {\"channelId\": ID} or empty");
            if (request.ChannelId is { } one && !PaymentIds.TryParse(one, out _)) return Error(StatusCodes.Status400BadRequest, $"'{one}' is not a channel id (64 hex digits)");
            return Results.Ok(market.Claimer.ClaimNow(request.ChannelId?.ToLowerInvariant()).Select(c => new ClaimResponse(c.ChannelId, c.Amount, c.TransactionHash, c.Error)).ToList());
        });

        endpoints.MapGet(AdminRoutes.MarketLeases, (HttpContext http) =>
            MarketOf(http) is not { } market ? NoLedger() : Results.Ok(Leases(market)));

        endpoints.MapPost(AdminRoutes.MarketLeases, async (HttpContext http, NetworkService network, CancellationToken cancellationToken) =>
        {
            if (MarketOf(http) is not { } market) return NoLedger();
            var request = await ReadAsync(http, AdminJsonContext.Default.OpenLeaseRequest, cancellationToken);
            if (request is null) return Error(StatusCodes.Status400BadRequest, "the body must be {\"node\": PEER, \"hours\": H}");
            if (!PeerId.TryParse(request.Node, out var node, out var parseError)) return Error(StatusCodes.Status400BadRequest, $"'{request.Node}' is not a peer ID: {parseError}");
            var delegates = new List<PeerId>();
            foreach (var text in request.Delegates ?? [])
            {
                if (!PeerId.TryParse(text, out var delegated, out var delegateError)) return Error(StatusCodes.Status400BadRequest, $"delegate '{text}' is not a peer ID: {delegateError}");
                delegates.Add(delegated);
            }
            var offer = market.Offers.Get(node, DateTimeOffset.UtcNow);
            if (offer is not null) network.Host.PeerStore.AddAddresses(node, offer.Addresses);
            var maxPrice = request.MaxPricePerHour ?? offer?.Offer.Lease?.PricePerHour;
            if (maxPrice is not { } max)
                return Error(StatusCodes.Status400BadRequest, $"no offer from {node} names its lease price: give the most you pay per hour (maxPricePerHour)");
            var ask = new MarketLeaseRequest { ChainId = market.Chain.ChainId, Hours = request.Hours, MaxPricePerHour = max };
            ask.Delegates.AddRange(delegates.Select(d => ByteString.CopyFrom(d.Bytes.Span)));
            Core.Market.Proto.LeaseResponse answer;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(LeaseRequestTimeout);
                answer = await LeaseProtocol.RequestAsync(network.Host, node, ask, timeout.Token);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or DialException or ProtocolNotSupportedException
                                       || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return Error(StatusCodes.Status502BadGateway, $"cannot ask {node} for a lease: {e.Message}");
            }
            if (answer.Error is { } refused) return Results.Json(new AdminError($"{node} refused the lease: {refused.Message}", refused.Code.ToString()), statusCode: StatusCodes.Status409Conflict);
            if (LeaseDesk.CheckGrant(market.Chain.ChainId, answer.Grant, market.Identity, node, request.Hours, max) is { } bad)
                return Error(StatusCodes.Status502BadGateway, $"{node} answered with terms we cannot use: {bad}");
            var grant = answer.Grant;
            return Submitted(market.Submit(new Transaction { CreateLease = new CreateLease { Terms = grant.Terms, NodeSignature = grant.NodeSignature } }),
                () => PaymentIds.ToHex(PaymentIds.Lease(node, grant.Terms.Sequence)));
        });

        endpoints.MapPost(AdminRoutes.MarketLeaseClose, (HttpContext http, string id) =>
        {
            if (MarketOf(http) is not { } market) return NoLedger();
            if (!PaymentIds.TryParse(id, out var lease)) return Error(StatusCodes.Status400BadRequest, $"'{id}' is not a lease id (64 hex digits)");
            return Submitted(market.Submit(new Transaction { CloseLease = new CloseLease { LeaseId = ByteString.CopyFrom(lease) } }), () => id.ToLowerInvariant());
        });

        endpoints.MapGet(AdminRoutes.MarketOffers, (HttpContext http, string? model) =>
        {
            if (MarketOf(http) is not { } market) return NoLedger();
            return Results.Ok(market.Offers.Current(DateTimeOffset.UtcNow, string.IsNullOrWhiteSpace(model) ? null : model).Select(o => new OfferResponse(
                o.Node.ToString(),
                [.. o.Offer.Models.Select(m => new OfferedModelResponse(m.Hash, m.Name, m.Task, m.PricePerRequest))],
                o.Offer.Lease?.PricePerHour, o.Offer.Lease?.MinHours ?? 0, o.Offer.Lease?.MaxHours ?? 0,
                o.Offer.Hardware, o.Offer.Region, o.Offer.FreeSlots,
                o.Offer.LeasedUntilUnixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(o.Offer.LeasedUntilUnixMs).UtcDateTime : null,
                o.Expires.UtcDateTime, [.. o.Addresses.Select(a => a.ToString())])).ToList());
        });
        return endpoints;
    }

    /// <summary>The channels this daemon pays into and those it is paid from.</summary>
    public static List<ChannelResponse> Channels(Marketplace market)
    {
        var channels = new List<ChannelResponse>();
        foreach (var channel in market.Payer.Snapshot())
            channels.Add(Describe(channel.ChannelId, "payer", market.Identity.ToString(), channel.Node, channel.Signed, channel.Ledger));
        var asPayer = channels.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var vouchers = market.Payee.Snapshot().ToDictionary(v => v.ChannelId, StringComparer.Ordinal);
        foreach (var (id, state) in market.Chain.ListChannels(market.Identity))
        {
            if (asPayer.Contains(id) || !state.Node.Span.SequenceEqual(market.Identity.Bytes.Span)) continue;
            channels.Add(Describe(id, "node", PeerId.FromBytes(state.Payer.Span).ToString(), market.Identity.ToString(),
                vouchers.TryGetValue(id, out var held) && held.Best is { } best ? best.Amount : state.Paid, state));
        }
        foreach (var (id, view) in vouchers)
            if (view.Ledger is null && !asPayer.Contains(id))
                channels.Add(Describe(id, "node", view.Payer ?? "", market.Identity.ToString(), view.Best?.Amount ?? 0, null));
        return channels;
    }

    public static List<LeaseResponse> Leases(Marketplace market)
    {
        var now = market.Chain.Status.LastTime.ToUnixTimeMilliseconds();
        return [.. market.Chain.ListLeases(market.Identity).Select(l => new LeaseResponse(l.Key,
            l.Value.Tenant.Span.SequenceEqual(market.Identity.Bytes.Span) ? "tenant" : "node",
            PeerId.FromBytes(l.Value.Tenant.Span).ToString(), PeerId.FromBytes(l.Value.Node.Span).ToString(), l.Value.Hours, l.Value.PricePerHour, l.Value.Prepaid,
            PaymentMath.Accrued(l.Value, now), DateTimeOffset.FromUnixTimeMilliseconds(l.Value.StartUnixMs).UtcDateTime,
            DateTimeOffset.FromUnixTimeMilliseconds(l.Value.EndUnixMs).UtcDateTime, l.Value.EndUnixMs > DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() ? LeaseResponse.Active : LeaseResponse.Ended))];
    }

    private static ChannelResponse Describe(string id, string role, string payer, string node, ulong paid, ChannelState? ledger) => new(
        id, role, payer, node, ledger?.Deposit ?? 0, paid, ledger?.Paid ?? 0,
        ledger is null ? ChannelResponse.Settled : ledger.SettleAtUnixMs != 0 ? ChannelResponse.Closing : ChannelResponse.Open,
        ledger is { SettleAtUnixMs: > 0 } closing ? DateTimeOffset.FromUnixTimeMilliseconds(closing.SettleAtUnixMs).UtcDateTime : null);

    private static IResult Submitted(TransactionSubmission result, Func<string> id) => result.Error is { } error
        ? Results.Json(new AdminError(error.Message, error.Code.ToString()), statusCode: StatusCodes.Status400BadRequest)
        : Results.Ok(new MarketTransactionResponse(id(), Convert.ToHexStringLower(result.Hash!)));

    private static async Task<T?> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type, CancellationToken cancellationToken) where T : class
    {
        try
        {
            return await http.Request.ReadFromJsonAsync(type, cancellationToken);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static Marketplace? MarketOf(HttpContext http) => http.RequestServices.GetService<MarketService>() is { IsOpen: true } service ? service.Market : null;

    private static IResult NoLedger() => Error(StatusCodes.Status503ServiceUnavailable, ChainEndpoints.NoLedger);

    private static IResult Error(int status, string message) => Results.Json(new AdminError(message), statusCode: status);
}
