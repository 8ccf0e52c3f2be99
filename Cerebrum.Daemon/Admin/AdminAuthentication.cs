using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cerebrum.Daemon.Admin;

/// <summary>Rejects, with 401 and a JSON error, every request that lacks <c>Authorization: Bearer &lt;cookie&gt;</c>.</summary>
public static class AdminAuthentication
{
    public static IApplicationBuilder UseAdminCookieAuthentication(this IApplicationBuilder app, AdminCookie cookie) =>
        app.Use(async (context, next) =>
        {
            if (IsAuthorized(context.Request, cookie))
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsJsonAsync(new AdminError(
                "unauthorized: send the contents of the data directory's .cookie file as 'Authorization: Bearer <cookie>'"));
        });

    private static bool IsAuthorized(HttpRequest request, AdminCookie cookie)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        return cookie.Matches(value.AsSpan(scheme.Length).Trim());
    }
}
