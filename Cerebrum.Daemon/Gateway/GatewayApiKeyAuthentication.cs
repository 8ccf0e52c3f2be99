using Cerebrum.Core.Gateway;
using Cerebrum.Daemon.Cloud;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cerebrum.Daemon.Gateway;

/// <summary>
/// Every request needs <c>Authorization: Bearer &lt;key&gt;</c> with a key from <c>cerebrum gateway key create</c> (401
/// otherwise), and is counted against the key's rate limit (429 with Retry-After when spent). Health probes and the
/// OpenAPI document are exempt, and so are Cerebrum Cloud's page and files (not its data); with <c>Gateway:Open</c> (<c>--open</c>) nothing is checked.
/// </summary>
public static class GatewayApiKeyAuthentication
{
    public static IApplicationBuilder UseGatewayApiKeys(this IApplicationBuilder app, GatewayService gateway, bool open, TimeProvider time) =>
        app.Use(async (context, next) =>
        {
            if (open || IsExempt(context.Request.Path))
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
            await next(context);
        });

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
