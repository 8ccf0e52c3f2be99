namespace Cerebrum.Core.Gateway;

/// <summary>
/// A gateway API key as stored: never the key itself, only the SHA-256 of it (hex), its name, its rate limit and when it
/// was created. <paramref name="RatePerSecond"/> of 0 means unlimited.
/// </summary>
public sealed record ApiKey(string Name, string HashHex, double RatePerSecond, DateTimeOffset CreatedAt);
