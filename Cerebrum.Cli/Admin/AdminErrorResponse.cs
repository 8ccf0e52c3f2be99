namespace Cerebrum.Cli.Admin;

/// <summary>The admin API's error body, <c>{"error": "..."}</c>; ledger rejections add the error <c>code</c>.</summary>
public sealed record AdminErrorResponse(string? Error, string? Code = null);
