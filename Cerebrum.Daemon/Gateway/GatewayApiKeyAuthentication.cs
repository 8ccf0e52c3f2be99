using Cerebrum.Core.Gateway;
using Cerebrum.Daemon.Cloud;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Every request needs <c>Authorization: Bearer &lt;key&gt;</c> with a key from <c>cerebrum gateway key create</c> (401
/// otherwise), and is counted against the key's rate limit (429 with Retry-After when spent) and its cap on requests in
/// flight (429). Health probes and the OpenAPI document are exempt, and so are Cerebrum Cloud's page and files (not its
/// data) and its self-service key creation (off by default, limited per client address by <see cref="CloudKeyIssuer"/>); with <c>Gateway:Open</c> (<c>--open</c>) no key is checked, but the Host header is: only IP addresses, localhost
/// and <c>Gateway:AllowedHosts</c> (DNS rebinding). A key with a budget that its requests have spent gets 402 (OpenAI's
/// <c>insufficient_quota</c>); what each request's jobs paid nodes is booked to its key (<see cref="RequestSpend"/>).
/// </summary>
public static class GatewayApiKeyAuthentication
{
    public static IApplicationBuilder UseGatewayApiKeys(this IApplicationBuilder app, GatewayService gateway, bool open, TimeProvider time) =>
        app.Use(async (context, next) =>
        {
            if (open)
            {
                if (!IsAllowedHost(context.Request.Host, gateway.Options.AllowedHosts))
                {
                    await GatewayErrors.WriteAsync(context, GatewayErrorKind.BadRequest,
                        $"Host '{context.Request.Host}' is not an address of this gateway: an open gateway answers only to IP addresses, localhost and Gateway:AllowedHosts");
                    return;
                }
                await next(context);
                return;
            }
            if (IsExempt(context.Request.Path) || CloudEndpoints.IsKeyCreation(context.Request))
            {
                await next(context);
                return;
            }
            if (BearerToken(context.Request) is not { } presented)
            {
                await GatewayErrors.WriteAsync(context, GatewayErrorKind.Unauthorized,
                    "missing API key: send 'Authorization: Bearer <key>' with a key from 'cerebrum gateway key create'");
                return;
            }
            if (gateway.Keys.Find(presented) is not { } key)
            {
                await GatewayErrors.WriteAsync(context, GatewayErrorKind.Unauthorized, "invalid API key: it is unknown to this gateway, or it was revoked");
                return;
            }
            if (!gateway.RateLimiter.TryAcquire(key, time.GetUtcNow(), out var retryAfter))
            {
                await GatewayErrors.WriteAsync(context, GatewayErrorKind.RateLimited,
                    $"rate limit of API key '{key.Name}' ({key.RatePerSecond:0.###}/s) exceeded; retry after {retryAfter.TotalSeconds:0.###} s", retryAfter);
                return;
            }
            if (!gateway.Concurrency.TryEnter(key.Name))
            {
                await GatewayErrors.WriteAsync(context, GatewayErrorKind.RateLimited,
                    $"API key '{key.Name}' already has {gateway.Concurrency.MaxPerKey} requests in flight, the most this gateway allows per key; retry when one has ended", TimeSpan.FromSeconds(1));
                return;
            }
            RequestSpend? spend = null;
            try
            {
                if (key.Budget > 0 && gateway.Keys.Usage.Spent(key.Name) >= key.Budget)
                {
                    await GatewayErrors.WriteAsync(context, GatewayErrorKind.BudgetExhausted,
                        $"API key '{key.Name}' has spent its budget of {key.Budget} micro-CER; ask the gateway's operator for a new key or budget");
                    return;
                }
                spend = RequestSpend.Begin();
                await next(context);
            }
            finally
            {
                if (spend is not null) gateway.Keys.Usage.Record(key.Name, spend.Total);
                gateway.Concurrency.Exit(key.Name);
            }
        });

    /// <summary>An IP literal, localhost, or a configured name: a browser reaching us through another name was sent here by its DNS.</summary>
    private static bool IsAllowedHost(HostString host, IReadOnlyList<string> allowed)
    {
        if (!host.HasValue) return false;
        var name = host.Host.Trim('[', ']');
        return System.Net.IPAddress.TryParse(name, out _)
            || string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)
            || allowed.Any(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase) || string.Equals(a, host.Value, StringComparison.OrdinalIgnoreCase));
    }

    private static bool IsExempt(PathString path) =>
        path.StartsWithSegments("/v2/health", StringComparison.Ordinal) || path.Equals("/openapi/v1.json", StringComparison.Ordinal)
        || CloudEndpoints.IsPublicAsset(path);

    /// <summary>The key of an <c>Authorization: Bearer</c> header, or null.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return null;
        var token = value[scheme.Length..].Trim();
        return token.Length > 0 ? token : null;
    }
}
