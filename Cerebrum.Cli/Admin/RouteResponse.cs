namespace Cerebrum.Cli.Admin;

/// <summary>One element of a gateway's <c>GET /gateway/routes</c> body (cerebrumd's Gateway/RouteResponse).</summary>
public sealed record RouteResponse(string Model, string Hash, string PeerId, int Outstanding, double LatencyMs, long Served, long Failed,
    string Circuit, bool Available, ulong PricePerRequest);
