using System.Globalization;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Validator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// <c>/chain/*</c>: the ledger as this daemon sees it (status, blocks, accounts) and transaction submission. Every
/// endpoint answers 503 when the daemon keeps no ledger.
/// </summary>
public static class ChainEndpoints
{
    public const string NoLedger = "this daemon keeps no ledger: no genesis file (set Chain:Genesis or run init --devnet)";

    public static IEndpointRouteBuilder MapChainEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/chain/status", (HttpContext http, PrivateKey identity) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            var chain = service.Chain;
            var status = chain.Status;
            var validators = chain.GetValidatorSet(status.Height + 1);
            return Results.Ok(new ChainStatusResponse(
                status.ChainId,
                status.Height,
                Convert.ToHexStringLower(status.LastHash),
                status.LastTime.UtcDateTime,
                Convert.ToHexStringLower(status.StateRoot),
                service.IsSyncing,
                status.PendingTransactions,
                [.. (validators?.Validators ?? []).Select(v => new ChainValidatorResponse(v.PeerId.ToString(), (ulong)v.Power))],
                http.RequestServices.GetService<ValidatorService>() is not null && validators?.Find(identity.PeerId) is not null));
        });

        endpoints.MapGet("/chain/blocks/{height}", (HttpContext http, string height) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            if (!ulong.TryParse(height, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                return Error(StatusCodes.Status400BadRequest, $"'{height}' is not a block height (a whole number, 1 or more)");
            var chain = service.Chain;
            if (chain.GetBlock(number) is not { } block)
                return Error(StatusCodes.Status404NotFound, $"no block at height {number} (the chain is at height {chain.Status.Height})");
            return Results.Ok(DescribeBlock(block));
        });

        endpoints.MapGet("/chain/accounts/{peerId}", (HttpContext http, string peerId) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            if (!PeerId.TryParse(peerId, out var id, out var parseError))
                return Error(StatusCodes.Status400BadRequest, $"'{peerId}' is not a peer ID: {parseError}");
            var chain = service.Chain;
            var account = chain.GetAccount(id);
            var unbonding = chain.GetUnbonding(id);
            return Results.Ok(new ChainAccountResponse(
                id.ToString(),
                account.Balance,
                account.Nonce,
                chain.GetNextNonce(id),
                account.Stake,
                account.Escrow,
                unbonding?.Amount ?? 0,
                unbonding is { Amount: > 0 } u ? DateTimeOffset.FromUnixTimeMilliseconds(u.ReleaseTimeUnixMs).UtcDateTime : null));
        });

        endpoints.MapPost("/chain/txs", async (HttpContext http, CancellationToken cancellationToken) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            var maxBytes = service.Chain.Params.MaxTxBytes;
            if (http.Request.ContentLength > maxBytes)
                return Error(StatusCodes.Status413PayloadTooLarge, $"a transaction is at most {maxBytes} bytes; the body has {http.Request.ContentLength}");
            var body = await ReadAtMostAsync(http.Request.Body, http.Request.ContentLength, maxBytes + 1, cancellationToken);
            if (body.Length > maxBytes)
                return Error(StatusCodes.Status413PayloadTooLarge, $"a transaction is at most {maxBytes} bytes");
            if (body.Length == 0)
                return Results.Json(new ChainSubmitError("the body must be the SignedTransaction bytes (application/octet-stream)", nameof(ChainErrorCode.MalformedTransaction)),
                    statusCode: StatusCodes.Status400BadRequest);
            var submission = service.Gossip.Submit(body);
            return submission.Error is { } error
                ? Results.Json(new ChainSubmitError(error.Message, error.Code.ToString()), statusCode: StatusCodes.Status400BadRequest)
                : Results.Ok(new ChainSubmitResponse(Convert.ToHexStringLower(submission.Hash!)));
        });
        return endpoints;
    }

    /// <summary>The <c>chain</c> part of <c>/status</c>, or null without a ledger.</summary>
    public static StatusChainResponse? DescribeForStatus(IServiceProvider services) =>
        services.GetService<ChainService>() is { } service ? new StatusChainResponse(service.Chain.Status.Height, service.IsSyncing) : null;

    private static ChainService? ChainOf(HttpContext http) => http.RequestServices.GetService<ChainService>();

    private static IResult NoLedgerResult() => Error(StatusCodes.Status503ServiceUnavailable, NoLedger);

    private static IResult Error(int status, string message) => Results.Json(new AdminError(message), statusCode: status);

    private static ChainBlockResponse DescribeBlock(FinalizedBlock block)
    {
        var header = block.Block.Header;
        var signatures = Commit.TryFromBytes(block.Commit, out var commit, out _) ? commit!.Signatures.Count : 0;
        return new ChainBlockResponse(
            header.Height,
            Convert.ToHexStringLower(block.Hash),
            Convert.ToHexStringLower(header.PreviousHash.Span),
            DateTimeOffset.FromUnixTimeMilliseconds(header.TimeUnixMs).UtcDateTime,
            PeerId.FromBytes(header.Proposer.Span).ToString(),
            Convert.ToHexStringLower(header.StateRoot.Span),
            [.. block.Block.Txs.Select(DescribeTransaction)],
            signatures);
    }

    private static ChainTransactionSummary DescribeTransaction(Google.Protobuf.ByteString encoded)
    {
        var signed = SignedTransaction.Parser.ParseFrom(encoded);
        var body = Transaction.Parser.ParseFrom(signed.Transaction);
        var name = body.BodyCase.ToString();
        var sender = Core.Chain.Transactions.TransactionCodec.SenderPeerId(body.SenderPublicKey.Span).ToString();
        return new ChainTransactionSummary(Convert.ToHexStringLower(Core.Chain.Transactions.TransactionCodec.Hash(encoded.Span)),
            char.ToLowerInvariant(name[0]) + name[1..], sender, body.Nonce, body.Fee);
    }

    private static async Task<byte[]> ReadAtMostAsync(Stream body, long? contentLength, int limit, CancellationToken cancellationToken)
    {
        if (contentLength is { } length && length < limit)
        {
            // The usual case (the length is declared): one exact allocation per transaction, the hot path under load.
            var exact = new byte[length];
            var filled = await body.ReadAtLeastAsync(exact, exact.Length, throwOnEndOfStream: false, cancellationToken);
            return filled == exact.Length ? exact : exact[..filled];
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length < limit && (read = await body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), cancellationToken)) > 0)
            buffer.Write(chunk, 0, read);
        return buffer.ToArray();
    }
}
