namespace Cerebrum.Core.Gateway;

/// <summary>
/// A gateway API key as stored: never the key itself, only the SHA-256 of it (hex), its name, its rate limit and when it
/// was created, and its budget in micro-CER (what its requests may cost in all; spent, the gateway answers 402).
/// <paramref name="RatePerSecond"/> and <paramref name="Budget"/> of 0 mean unlimited.
/// </summary>
public sealed record ApiKey(string Name, string HashHex, double RatePerSecond, DateTimeOffset CreatedAt, ulong Budget = 0);
