using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Daemon.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Cloud;

/// <summary>
/// Cerebrum Cloud, the public web app on the gateway's HTTP port: <c>GET /cloud/</c> serves the page and its files
/// (embedded, public, holding no data), and the page reads the JSON endpoints under <c>/cloud/api/</c>, which need an
/// API key like every other endpoint of the gateway (unless it runs with <c>--open</c>) and count against its rate
/// limit. <c>GET /</c> leads to the app. Every answer carries a strict Content-Security-Policy: the page runs its own
/// script only, loads nothing from elsewhere, and may be framed by nobody.
/// </summary>
public static class CloudEndpoints
{
    public const string Root = "/cloud/";
    public const string Api = "/cloud/api";

    /// <summary>Self-service key creation (<c>POST</c>), the one data endpoint that needs no key: its own limits guard it (<see cref="CloudKeyIssuer"/>).</summary>
    public const string Keys = "/cloud/api/keys";

    private const int MaxKeyRequestBytes = 1024;

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>True for <c>POST /cloud/api/keys</c>, which creates a key and so cannot need one (answered 404 unless self-service is on).</summary>
    public static bool IsKeyCreation(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Equals(Keys, StringComparison.Ordinal);

    /// <summary>True for the page and its files, which the gateway serves without an API key (they hold no data).</summary>
    public static bool IsPublicAsset(PathString path) =>
        path.Equals("/", StringComparison.Ordinal) || path.Equals("/cloud", StringComparison.Ordinal)
        || (path.StartsWithSegments("/cloud", StringComparison.Ordinal, out var rest) && !path.StartsWithSegments(Api, StringComparison.Ordinal)
            && (rest.Value is "/" || (rest.Value is { } file && CloudAssets.Find(file.TrimStart('/')) is not null)));

    public static IEndpointRouteBuilder MapCloudEndpoints(this IEndpointRouteBuilder endpoints, GatewayService gateway, CloudCatalog catalog)
    {
        endpoints.MapGet("/", (HttpContext http) => Redirect(http));
        // Routing matches "/cloud" to this pattern too (a trailing slash is optional); the page's links are absolute.
        endpoints.MapGet(Root, (HttpContext http) => Serve(http, CloudAssets.Page(gateway.Options.Open, gateway.Options.SelfService.Enabled))).ExcludeFromDescription();
        endpoints.MapGet("/cloud/{file}", (string file, HttpContext http) => CloudAssets.Find(file) is { } asset
            ? Serve(http, file == "index.html" ? CloudAssets.Page(gateway.Options.Open, gateway.Options.SelfService.Enabled) : asset)
            : GatewayErrors.Result(http, GatewayErrorKind.NotFound, $"Cerebrum Cloud has no file '{file}'")).ExcludeFromDescription();

        var api = endpoints.MapGroup(Api).WithTags("Cerebrum Cloud");
        api.AddEndpointFilter(async (context, next) =>
        {
            Harden(context.HttpContext.Response);
            return await next(context);
        });
        api.MapGet("/overview", () => Results.Json(catalog.Overview(), CloudJsonContext.Relaxed.CloudOverview))
            .Produces<CloudOverview>();
        api.MapGet("/models", () => Results.Json(catalog.Models(), CloudJsonContext.Relaxed.ListCloudModel))
            .Produces<List<CloudModel>>();
        api.MapGet("/nodes", () => Results.Json(catalog.Nodes(), CloudJsonContext.Relaxed.ListCloudNode))
            .Produces<List<CloudNode>>();
        api.MapGet("/key", (HttpContext http) =>
        {
            // The authentication in front has admitted the request: with --open there is no key to describe.
            if (gateway.Options.Open)
                return Results.Json(new CloudKey(true, null, null, null), CloudJsonContext.Relaxed.CloudKey);
            var key = GatewayApiKeyAuthentication.BearerToken(http.Request) is { } presented ? gateway.Keys.Find(presented) : null;
            return key is null
                ? GatewayErrors.Result(http, GatewayErrorKind.Unauthorized, "invalid API key")
                : Results.Json(new CloudKey(false, key.Name, key.RatePerSecond, key.CreatedAt, key.Budget), CloudJsonContext.Relaxed.CloudKey);
        }).Produces<CloudKey>();
        api.MapGet("/offers", (HttpContext http) => catalog.Market is { } market
                ? Results.Json(market.Offers(), CloudJsonContext.Relaxed.IReadOnlyListCloudOffer)
                : NoMarket(http))
            .Produces<IReadOnlyList<CloudOffer>>();
        api.MapGet("/leases", (HttpContext http, string? tenant) =>
        {
            if (catalog.Market is not { } market) return NoMarket(http);
            if (string.IsNullOrWhiteSpace(tenant))
                return GatewayErrors.Result(http, GatewayErrorKind.BadRequest, "say whose leases: ?tenant=PEER_ID (the tenant's peer ID, as 'cerebrum status' prints it)");
            if (!PeerId.TryParse(tenant.Trim(), out var id, out var error))
                return GatewayErrors.Result(http, GatewayErrorKind.BadRequest, $"'{tenant}' is not a peer ID: {error}");
            return Results.Json(market.Leases(id), CloudJsonContext.Relaxed.IReadOnlyListCloudLease);
        }).Produces<IReadOnlyList<CloudLease>>();
        api.MapGet("/usage", (HttpContext http) =>
        {
            if (catalog.Market is not { } market) return NoMarket(http);
            if (gateway.Options.Open)
                return GatewayErrors.Result(http, GatewayErrorKind.NotFound, "this gateway is open (no API keys), so it counts no usage per key");
            var key = GatewayApiKeyAuthentication.BearerToken(http.Request) is { } presented ? gateway.Keys.Find(presented) : null;
            if (key is null) return GatewayErrors.Result(http, GatewayErrorKind.Unauthorized, "invalid API key");
            return market.Usage(key) is { } usage
                ? Results.Json(usage, CloudJsonContext.Relaxed.CloudUsage)
                : Results.Json(new CloudUsage(key.Name, 0, 0, key.Budget, null, []), CloudJsonContext.Relaxed.CloudUsage);
        }).Produces<CloudUsage>();
        var issuer = new CloudKeyIssuer(gateway.Options.SelfService);
        api.MapPost("/keys", async (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "no-store";
            if (!gateway.Options.SelfService.Enabled || gateway.Options.Open)
                return GatewayErrors.Result(http, GatewayErrorKind.NotFound, gateway.Options.Open
                    ? "this gateway is open: it needs no API key"
                    : "this gateway does not hand out keys on its page; its operator creates them ('cerebrum gateway key create')");
            if (http.Request.ContentLength is not { } length || length > MaxKeyRequestBytes)
                return GatewayErrors.Result(http, GatewayErrorKind.BadRequest, $"send the key's name as JSON of at most {MaxKeyRequestBytes} bytes: {{\"name\": \"my-app\"}}");
            CloudKeyRequest? request;
            try
            {
                request = await http.Request.ReadFromJsonAsync(CloudJsonContext.Relaxed.CloudKeyRequest, http.RequestAborted);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
            {
                return GatewayErrors.Result(http, GatewayErrorKind.BadRequest, "the body is not JSON of the form {\"name\": \"my-app\"}");
            }
            if (http.Connection.RemoteIpAddress is not { } address)
                return GatewayErrors.Result(http, GatewayErrorKind.BadRequest, "the client's address is unknown");
            try
            {
                var (key, record) = issuer.Create(gateway.Keys, address, request?.Name, gateway.Time.GetUtcNow());
                return Results.Json(new CloudCreatedKey(record.Name, key, record.RatePerSecond, record.Budget, record.CreatedAt), CloudJsonContext.Relaxed.CloudCreatedKey,
                    statusCode: StatusCodes.Status201Created);
            }
            catch (GatewayException e)
            {
                return GatewayErrors.Result(http, e);
            }
            catch (ArgumentException e)
            {
                return GatewayErrors.Result(http, GatewayErrorKind.BadRequest, e.Message);
            }
        }).Produces<CloudCreatedKey>(StatusCodes.Status201Created);
        api.MapFallback((HttpContext http) => GatewayErrors.Result(http, GatewayErrorKind.NotFound,
            $"no Cerebrum Cloud endpoint {http.Request.Method} {http.Request.Path}; see /openapi/v1.json"));
        return endpoints;
    }

    private static IResult NoMarket(HttpContext http) =>
        GatewayErrors.Result(http, GatewayErrorKind.NotFound, "this network has no market on this gateway yet: no offers, leases or usage to show");

    /// <summary>The headers every answer of the app carries: its policy, no sniffing, no framing, no referrer, revalidated caching.</summary>
    public static void Harden(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
        response.Headers["Cross-Origin-Resource-Policy"] = "same-origin";
    }

    private static IResult Redirect(HttpContext http)
    {
        Harden(http.Response);
        return Results.Redirect(Root, permanent: false);
    }

    private static IResult Serve(HttpContext http, CloudAssets.Asset asset)
    {
        Harden(http.Response);
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
