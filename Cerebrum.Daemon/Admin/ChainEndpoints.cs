using Cerebrum.Core.Operator.Admin;
using System.Globalization;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
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
/// <c>/chain/*</c>: the ledger as this daemon sees it (status, blocks, accounts, a transaction's fate) and transaction
/// submission. Every endpoint answers 503 when the daemon keeps no ledger.
/// </summary>
public static class ChainEndpoints
{
    public const string NoLedger = "this daemon keeps no ledger: no genesis file (set Chain:Genesis or run init --devnet)";

    public static IEndpointRouteBuilder MapChainEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.ChainStatus, (HttpContext http, PrivateKey identity) =>
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
                [.. (validators?.Validators ?? []).Select(v => new ChainValidatorResponse(v.PeerId.ToString(), v.Power))],
                http.RequestServices.GetService<ValidatorService>() is not null && validators?.Find(identity.PeerId) is not null));
        });

        endpoints.MapGet(AdminRoutes.ChainConsensus, (HttpContext http, PrivateKey identity) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            var (tallies, from, to) = CommitParticipation.OfRecentBlocks(service.Chain);
            var validator = http.RequestServices.GetService<ValidatorService>();
            var deciding = validator?.ConsensusHeight ?? 0;
            return Results.Ok(new ChainConsensusResponse(
                service.Chain.Status.Height,
                deciding > 0 ? deciding : null,
                deciding > 0 ? validator!.ConsensusRound : null,
                validator is not null && service.Chain.GetValidatorSet(service.Chain.Status.Height + 1)?.Find(identity.PeerId) is not null,
                from,
                to,
                [.. tallies.Select(t => new ChainValidatorParticipationResponse(t.Validator.ToString(), t.Power, t.Expected, t.Signed, t.Missed, t.LastSigned,
                    t.Validator == identity.PeerId))]));
        });

        endpoints.MapGet(AdminRoutes.ChainBlock, (HttpContext http, string height) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            if (!ulong.TryParse(height, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                return Error(StatusCodes.Status400BadRequest, $"'{height}' is not a block height (a whole number, 1 or more)");
            var chain = service.Chain;
            if (chain.GetBlock(number) is not { } block)
                return Error(StatusCodes.Status404NotFound, $"no block at height {number} (the chain is at height {chain.Status.Height})");
            return Results.Ok(DescribeBlock(block));
        });

        endpoints.MapGet(AdminRoutes.ChainAccount, (HttpContext http, string peerId) =>
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
                unbonding is { Amount: > 0 } u ? BlockTime.ToDateTimeOffset(u.ReleaseTimeUnixMs).UtcDateTime : null,
                account.Jailed,
                account.Jailed ? BlockTime.ToDateTimeOffset(account.JailReleaseUnixMs).UtcDateTime : null,
                account.SlashedTotal,
                account.SlashedHeight));
        });

        endpoints.MapGet(AdminRoutes.ChainValidators, (HttpContext http) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            var chain = service.Chain;
            var height = chain.Status.Height + 1;
            var validators = chain.GetValidators();
            return Results.Ok(new ChainValidatorsResponse(height, validators.Sum(v => v.Power), [.. validators.Select(v => new ChainValidatorDetail(
                v.PeerId.ToString(), v.Power, v.GenesisPower, v.Stake, v.Jailed, v.JailRelease?.UtcDateTime, v.SlashedTotal, v.SlashedHeight))]));
        });

        endpoints.MapPost(AdminRoutes.ChainTransactions, async (HttpContext http, CancellationToken cancellationToken) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            var (body, refusal) = await ReadTransactionAsync(http, service, cancellationToken);
            if (body is null) return refusal!;
            var submission = service.Gossip.Submit(body);
            return submission.Error is { } error
                ? Rejection(error)
                : Results.Ok(new ChainSubmitResponse(Convert.ToHexStringLower(submission.Hash!)));
        });

        // What POST /chain/txs would answer, without admitting or gossiping: the CLI asks before it gossips a transaction
        // through another peer, which would drop a refused one without a word.
        endpoints.MapPost(AdminRoutes.ChainTransactionCheck, async (HttpContext http, CancellationToken cancellationToken) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            var (body, refusal) = await ReadTransactionAsync(http, service, cancellationToken);
            if (body is null) return refusal!;
            var (hash, error) = service.Chain.CheckTransaction(body);
            return error is not null ? Rejection(error) : Results.Ok(new ChainSubmitResponse(Convert.ToHexStringLower(hash)));
        });

        endpoints.MapGet(AdminRoutes.ChainTransaction, (HttpContext http, string hash) =>
        {
            if (ChainOf(http) is not { } service) return NoLedgerResult();
            if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
                return Error(StatusCodes.Status400BadRequest, $"'{hash}' is not a transaction hash (64 hex digits)");
            var status = service.Chain.GetTransactionStatus(Convert.FromHexString(hash));
            var text = hash.ToLowerInvariant();
            return Results.Ok(status.State switch
            {
                TransactionState.Included => new ChainTransactionStatusResponse(text, ChainTransactionStatusResponse.Included, status.Height, status.Index),
                TransactionState.Pending => new ChainTransactionStatusResponse(text, ChainTransactionStatusResponse.Pending),
                TransactionState.Rejected => new ChainTransactionStatusResponse(text, ChainTransactionStatusResponse.Rejected,
                    Error: status.Error!.Message, Code: status.Error.Code.ToString()),
                _ => new ChainTransactionStatusResponse(text, ChainTransactionStatusResponse.Unknown),
            });
        });
        return endpoints;
    }

    /// <summary>The <c>chain</c> part of <c>/status</c>, or null without a ledger.</summary>
    public static StatusChainResponse? DescribeForStatus(IServiceProvider services) =>
        services.GetService<ChainService>() is { } service ? new StatusChainResponse(service.Chain.Status.Height, service.IsSyncing) : null;

    private static ChainService? ChainOf(HttpContext http) => http.RequestServices.GetService<ChainService>();

    private static IResult NoLedgerResult() => Error(StatusCodes.Status503ServiceUnavailable, NoLedger);

    private static IResult Error(int status, string message) => Results.Json(new AdminError(message), statusCode: status);

    private static IResult Rejection(ChainError error) =>
        Results.Json(new AdminError(error.Message, error.Code.ToString()), statusCode: StatusCodes.Status400BadRequest);

    /// <summary>The body as SignedTransaction bytes within the genesis <c>maxTxBytes</c>, or the answer refusing it.</summary>
    private static async Task<(byte[]? Body, IResult? Refusal)> ReadTransactionAsync(HttpContext http, ChainService service, CancellationToken cancellationToken)
    {
        var maxBytes = service.Chain.Params.MaxTxBytes;
        if (http.Request.ContentLength > maxBytes)
            return (null, Error(StatusCodes.Status413PayloadTooLarge, $"a transaction is at most {maxBytes} bytes; the body has {http.Request.ContentLength}"));
        var body = await ReadAtMostAsync(http.Request.Body, http.Request.ContentLength, maxBytes + 1, cancellationToken);
        if (body.Length > maxBytes)
            return (null, Error(StatusCodes.Status413PayloadTooLarge, $"a transaction is at most {maxBytes} bytes"));
        if (body.Length == 0)
            return (null, Rejection(new ChainError(ChainErrorCode.MalformedTransaction, "the body must be the SignedTransaction bytes (application/octet-stream)")));
        return (body, null);
    }

    private static ChainBlockResponse DescribeBlock(FinalizedBlock block)
    {
        var header = block.Block.Header;
        var signatures = Commit.TryFromBytes(block.Commit, out var commit, out _) ? commit!.Signatures.Count : 0;
        return new ChainBlockResponse(
            header.Height,
            Convert.ToHexStringLower(block.Hash),
            Convert.ToHexStringLower(header.PreviousHash.Span),
            BlockTime.ToDateTimeOffset(header.TimeUnixMs).UtcDateTime,
            PeerId.FromBytes(header.Proposer.Span).ToString(),
            Convert.ToHexStringLower(header.StateRoot.Span),
            [.. block.Block.Txs.Select(DescribeTransaction)],
            signatures,
            [.. block.Block.Evidence.Select(DescribeEvidence)]);
    }

    // A committed block's evidence was checked when the block was; it decodes.
    private static ChainEvidenceSummary DescribeEvidence(Google.Protobuf.ByteString encoded)
    {
        var evidence = DuplicateVoteEvidence.FromBytes(encoded.Span);
        return new ChainEvidenceSummary(evidence.Validator.ToString(), evidence.Height, evidence.Round, evidence.Type.ToString().ToLowerInvariant());
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
