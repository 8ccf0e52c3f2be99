using Cerebrum.Core.Operator.Admin;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary>
/// The node dashboard: <c>GET /</c> serves the page and <c>GET /dashboard.js</c> its script (which reads the JSON endpoints itself); <c>POST /dashboard/links</c>
/// (admin cookie only) issues a one-time sign-in link; <c>GET /dashboard/login</c> redeems it into a session: a cookie,
/// and a page key handed to the page in the redirect's URL fragment, which the page sends back as <see cref="PageKeyHeader"/>.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>The header the dashboard page sends its session's page key in.</summary>
    public const string PageKeyHeader = "X-Cerebrum-Dashboard";

    // Answers that carry secrets or the page itself: never cached, never framed, no referrer (the login URL holds a ticket).
    private const string ContentSecurityPolicy =
        "default-src 'none'; connect-src 'self'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.Dashboard, (HttpContext http) =>
        {
            Harden(http.Response);
            http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
            return Results.Content(DashboardPage.Html, "text/html; charset=utf-8");
        });
        // The page's script: no inline script runs under the page's policy (script-src 'self').
        endpoints.MapGet(AdminRoutes.DashboardScript, (HttpContext http) =>
        {
            Harden(http.Response);
            return Results.Content(DashboardPage.Script, "text/javascript; charset=utf-8");
        });
        endpoints.MapPost(AdminRoutes.DashboardLinks, (HttpContext http, DashboardSessions sessions, TimeProvider time) =>
        {
            var ticket = sessions.IssueTicket();
            var url = $"{http.Request.Scheme}://{http.Request.Host}{AdminRoutes.DashboardLogin}?ticket={ticket}";
            return new DashboardLinkResponse(url, time.GetUtcNow() + sessions.LinkLifetime);
        });
        endpoints.MapGet(AdminRoutes.DashboardLogin, (HttpContext http, DashboardSessions sessions, TimeProvider time) =>
        {
            Harden(http.Response);
            // A page on another site that rebinds its name to 127.0.0.1 must not be able to sign in through this.
            if (!IsLoopbackHost(http.Request))
                return Results.Text("the dashboard is only served on a loopback address", "text/plain; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
            if (sessions.Redeem(http.Request.Query["ticket"]) is not { } session)
                return Results.Text("this dashboard link is unknown, used or expired: run 'cerebrum dashboard' for a new one",
                    "text/plain; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized);
            http.Response.Cookies.Append(SessionCookieName(http.Request), session.Cookie, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Path = "/",
                MaxAge = sessions.SessionLifetime,
                Expires = time.GetUtcNow() + sessions.SessionLifetime,
            });
            // The fragment stays in the browser: the page takes the key from it into its origin's storage and drops it from the address.
            return Results.Redirect($"{AdminRoutes.Dashboard}#session={session.PageKey}", permanent: false, preserveMethod: false);
        });
        return endpoints;
    }

    /// <summary>
    /// Browsers scope cookies by host, not port, so each daemon on this machine names its session cookie after its own
    /// admin port; otherwise two dashboards open at once would sign each other out.
    /// </summary>
    public static string SessionCookieName(HttpRequest request) =>
        "cerebrum-dashboard-" + request.HttpContext.Connection.LocalPort.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// True when the browser addressed us by a loopback name and our own port, as the printed link does: a page on another
    /// site whose name is rebound to 127.0.0.1 (DNS rebinding), or a request meant for another port, is not ours.
    /// </summary>
    public static bool IsLoopbackHost(HttpRequest request) =>
        request.Host.Host is "127.0.0.1" or "localhost" or "[::1]" && request.Host.Port == request.HttpContext.Connection.LocalPort;

    /// <summary>
    /// False for a request a browser sends on behalf of a page of another origin (another port of this machine counts:
    /// it is the same site to SameSite, not the same origin), as its Origin and Sec-Fetch-Site headers tell.
    /// </summary>
    public static bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin;
        if (origin.Count > 0 && !string.Equals(origin.ToString(), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
            return false;
        return request.Headers["Sec-Fetch-Site"].ToString() is "" or "same-origin" or "none";
    }

    private static void Harden(HttpResponse response)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.XFrameOptions = "DENY";
        response.Headers.XContentTypeOptions = "nosniff";
    }
}
