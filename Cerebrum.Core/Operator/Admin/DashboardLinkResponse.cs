namespace Cerebrum.Core.Operator.Admin;

/// <summary>The body of <c>POST /dashboard/links</c>: a one-time link that signs a browser in to the dashboard.</summary>
public sealed record DashboardLinkResponse(string Url, DateTimeOffset ExpiresAt);
