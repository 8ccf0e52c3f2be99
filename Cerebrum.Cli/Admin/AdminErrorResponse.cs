namespace Cerebrum.Cli.Admin;

/// <summary>The admin API's error body, <c>{"error": "..."}</c>.</summary>
public sealed record AdminErrorResponse(string? Error);
