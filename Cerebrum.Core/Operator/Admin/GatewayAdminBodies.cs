namespace Cerebrum.Core.Operator.Admin;

/// <summary>
/// <c>POST /gateway/keys</c>: a name, an optional rate limit in requests per second and an optional budget in micro-CER
/// (0 or absent = unlimited).
/// </summary>
public sealed record CreateApiKeyRequest(string? Name, double? RatePerSecond, ulong? Budget = null);

/// <summary>An API key as listed; <see cref="Key"/> is set only in the answer to its creation, the one time it is shown. <see cref="Budget"/> in micro-CER, 0 = unlimited.</summary>
public sealed record ApiKeyResponse(string Name, double RatePerSecond, DateTimeOffset CreatedAt, string? Key, ulong Budget = 0);

/// <summary>
/// One row of <c>GET /gateway/usage</c>: an API key, its requests, what they paid nodes in micro-CER, its budget (0 =
/// unlimited) and what is left of it (null when unlimited).
/// </summary>
public sealed record ApiKeyUsageResponse(string Name, long Requests, ulong Spent, ulong Budget, ulong? Remaining);

/// <summary>The answer to <c>DELETE /gateway/keys/{name}</c>.</summary>
public sealed record RevokeApiKeyResponse(string Name, bool Revoked);

/// <summary>One row of <c>GET /gateway/routes</c>: a node serving a model and what the gateway measured of it.</summary>
/// <param name="Circuit">The node's circuit breaker: "closed", "open" or "halfopen".</param>
public sealed record RouteResponse(string Model, string Hash, string PeerId, int Outstanding, double LatencyMs, long Served, long Failed,
    string Circuit, bool Available, ulong PricePerRequest);
