namespace Cerebrum.Core.Operator.Admin;

/// <summary>The body of <c>GET /jobs</c>: inference jobs answered over the network since start-up.</summary>
/// <param name="Failed">Failed jobs by error type ("unknown_model", "bad_input", "busy", "deadline_exceeded", "internal").</param>
public sealed record JobsResponse(long Served, IReadOnlyDictionary<string, long> Failed, int InFlight);
