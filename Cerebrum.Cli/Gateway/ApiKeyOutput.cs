namespace Cerebrum.Cli.Gateway;

/// <summary>An API key as the admin API lists it (and as <c>key list --json</c> prints it); <see cref="Key"/> only at creation.</summary>
public sealed record ApiKeyOutput(string Name, double RatePerSecond, DateTimeOffset CreatedAt, string? Key);
