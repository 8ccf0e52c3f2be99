using Cerebrum.Core.Operator.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// Rejects, with 401 and a JSON error, every request that lacks <c>Authorization: Bearer &lt;cookie&gt;</c>, except:
/// a dashboard session (see <see cref="DashboardSessions"/>) admits GET and HEAD requests from its own page, so a browser
/// can read the admin API but change nothing: the page itself with the session's cookie, the API with the cookie and
/// the page key header, each only on a loopback name with this port and from this origin; and the dashboard's login
/// link, which checks its own one-time ticket.
/// </summary>
public static class AdminAuthentication
{
    public static IApplicationBuilder UseAdminCookieAuthentication(this IApplicationBuilder app, AdminCookie cookie, DashboardSessions sessions) =>
        app.Use(async (context, next) =>
        {
            if (IsAuthorized(context.Request, cookie) || IsDashboardRead(context.Request, sessions) || IsDashboardLogin(context.Request))
            {
                await next(context);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsJsonAsync(new AdminError(
                "unauthorized: send the contents of the data directory's .cookie file as 'Authorization: Bearer <cookie>' "
                + "(for the dashboard in a browser, open the link that 'cerebrum dashboard' prints)"));
        });

    private static bool IsAuthorized(HttpRequest request, AdminCookie cookie)
    {
        const string scheme = "Bearer ";
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        return cookie.Matches(value.AsSpan(scheme.Length).Trim());
    }

    private static bool IsDashboardRead(HttpRequest request, DashboardSessions sessions)
    {
        if (!(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            || !DashboardEndpoints.IsLoopbackHost(request) || !DashboardEndpoints.IsSameOrigin(request))
            return false;
        var cookie = request.Cookies[DashboardEndpoints.SessionCookieName(request)];
        // The page and its script are what a browser loads by address (no page key yet); they hold no data.
        return request.Path.Equals(AdminRoutes.Dashboard, StringComparison.Ordinal) || request.Path.Equals(AdminRoutes.DashboardScript, StringComparison.Ordinal)
            ? sessions.IsSession(cookie)
            : sessions.IsSession(cookie, request.Headers[DashboardEndpoints.PageKeyHeader].ToString());
    }

    private static bool IsDashboardLogin(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Path.Equals(AdminRoutes.DashboardLogin, StringComparison.Ordinal);
}
