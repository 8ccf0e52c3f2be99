namespace Cerebrum.Daemon.Admin;

/// <summary>The body of every admin API error: <c>{"error": "..."}</c>, a message meant for the operator.</summary>
public sealed record AdminError(string Error);
