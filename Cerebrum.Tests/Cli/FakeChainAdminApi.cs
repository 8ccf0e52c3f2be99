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
/// signed; answers and rejections are the admin API's own records.
/// </summary>
internal sealed class FakeChainAdminApi : IAsyncDisposable
{
    public const string Cookie = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private readonly WebApplication _app;

    private FakeChainAdminApi(WebApplication app) => _app = app;

    public string ChainId { get; init; } = "cerebrum-test";

    public ulong NextNonce { get; set; } = 7;

    /// <summary>The power of the one validator <c>/chain/status</c> lists.</summary>
    public long ValidatorPower { get; set; } = 10;

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
        app.MapGet(AdminRoutes.ChainStatus, () => new ChainStatusResponse(api.ChainId, 12, new string('a', 64), DateTime.UnixEpoch, new string('b', 64),
            Syncing: false, api.Received.Count, [new ChainValidatorResponse("16Uiu2HAmValidator", api.ValidatorPower)], IsValidator: true));
        app.MapGet(AdminRoutes.ChainAccount, (string peerId) => new ChainAccountResponse(peerId, 1_000, api.NextNonce, api.NextNonce, 0, 0, 0, null));
        app.MapGet(AdminRoutes.ChainValidators, () => new ChainValidatorsResponse(13, api.ValidatorPower,
        [
            new ChainValidatorDetail("16Uiu2HAmValidator", api.ValidatorPower, (ulong)api.ValidatorPower, 0, false, null, 0, 0),
            new ChainValidatorDetail("16Uiu2HAmJailed", 0, 10, 950_000, true, DateTime.UnixEpoch.AddDays(1), 50_000, 9),
        ]));
        app.MapPost(AdminRoutes.ChainTransactions, async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            var bytes = body.ToArray();
            if (!TransactionCodec.TryDecode(bytes, api.ChainId, new ChainParams(), out var transaction, out var error))
                return Results.Json(new AdminError(error!.Message, error.Code.ToString()), statusCode: 400);
            if (api.RejectWith is { } code)
                return Results.Json(new AdminError("refused by the test", code.ToString()), statusCode: 400);
            api.Received.Add(transaction!);
            return Results.Json(new ChainSubmitResponse(Convert.ToHexStringLower(TransactionCodec.Hash(bytes))));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var directory = new DataDirectory(dataDirectory);
        File.WriteAllText(directory.AdminUrlPath, address + "/\n");
        File.WriteAllText(directory.CookiePath, Cookie + "\n");
        return api;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
