namespace Cerebrum.Cli.Admin;

/// <summary>The admin API's <c>POST /dashboard/links</c> body (cerebrumd's Admin/DashboardLinkResponse).</summary>
public sealed record DashboardLinkResponse(string Url, DateTimeOffset ExpiresAt);
