using System.Net;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Transactions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Tests.Cli;

/// <summary>
/// The daemon's ledger admin endpoints as the CLI sees them, on loopback, advertised in a data directory (admin.url,
/// .cookie). Posted transactions are decoded and verified with the real codec, so a test sees exactly what the CLI
/// signed; rejections use the daemon's error shape.
/// </summary>
internal sealed class FakeChainAdminApi : IAsyncDisposable
{
    public const string Cookie = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly WebApplication _app;

    private FakeChainAdminApi(WebApplication app) => _app = app;

    public string ChainId { get; init; } = "cerebrum-test";

    public ulong NextNonce { get; set; } = 7;

    /// <summary>When set, every posted transaction is refused with this code.</summary>
    public ChainErrorCode? RejectWith { get; set; }

    public List<VerifiedTransaction> Received { get; } = [];

    public static async Task<FakeChainAdminApi> StartAsync(string dataDirectory)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var api = new FakeChainAdminApi(app);
        app.Use(async (context, next) =>
        {
            if (context.Request.Headers.Authorization != $"Bearer {Cookie}")
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return;
            }
            await next(context);
        });
        app.MapGet("/chain/status", () => new
        {
            chainId = api.ChainId,
            height = 12UL,
            hash = new string('a', 64),
            time = DateTimeOffset.UnixEpoch,
            stateRoot = new string('b', 64),
            syncing = false,
            pendingTransactions = api.Received.Count,
            validators = new[] { new { peerId = "16Uiu2HAmValidator", power = 10L } },
            isValidator = true,
        });
        app.MapGet("/chain/accounts/{peerId}", (string peerId) => new
        {
            peerId,
            balance = 1_000UL,
            nonce = api.NextNonce,
            nextNonce = api.NextNonce,
            stake = 0UL,
            escrow = 0UL,
            unbonding = 0UL,
            unbondingRelease = (DateTimeOffset?)null,
        });
        app.MapPost("/chain/txs", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            var bytes = body.ToArray();
            if (!TransactionCodec.TryDecode(bytes, api.ChainId, new ChainParams(), out var transaction, out var error))
                return Results.Json(new { error = error!.Message, code = error.Code.ToString() }, statusCode: 400);
            if (api.RejectWith is { } code)
                return Results.Json(new { error = "refused by the test", code = code.ToString() }, statusCode: 400);
            api.Received.Add(transaction!);
            return Results.Json(new { hash = Convert.ToHexStringLower(TransactionCodec.Hash(bytes)) });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        File.WriteAllText(Path.Combine(dataDirectory, "admin.url"), address + "/\n");
        File.WriteAllText(Path.Combine(dataDirectory, ".cookie"), Cookie + "\n");
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
