namespace Cerebrum.Core.Operator.Admin;

/// <summary>
/// The body of <c>POST /market/jobs</c> (<c>cerebrum job submit</c>): run every line of <see cref="Input"/> (a JSON Lines
/// file) on <see cref="Model"/> (a name or <c>sha256:&lt;hex&gt;</c>) and append the results to <see cref="Output"/>. Both paths
/// are absolute paths on the daemon's host. At most <see cref="MaxPrice"/> micro-CER per input; with <see cref="Lease"/>,
/// only on that lease's node.
/// </summary>
public sealed record BatchJobRequest(string Model, string Input, string Output, ulong? MaxPrice, string? Lease);

/// <summary>One batch job of this daemon (<c>GET /market/jobs</c>, <c>GET /market/jobs/{id}</c>); amounts in micro-CER, times UTC.</summary>
/// <param name="State">"running", "done", "cancelled" or "failed" (<see cref="Error"/> says why).</param>
/// <param name="Skipped">Inputs whose ids were already in the results file when the job was submitted.</param>
/// <param name="Done">Inputs answered since, with a verified receipt.</param>
/// <param name="Failed">Inputs that failed for good (an error line each).</param>
/// <param name="Remaining">Inputs still without a result line.</param>
/// <param name="Rate">Inputs answered per second since the daemon (re)started the job.</param>
/// <param name="QuotedNodes">Nodes the job ran inputs on (since the daemon (re)started it) that quoted its job request, at their quoted price.</param>
/// <param name="OfferedNodes">Nodes it ran inputs on from offers and heartbeats heard, when no usable quote came.</param>
public sealed record BatchJobResponse(string Id, string Model, string Input, string Output, string State, int Total, int Skipped, int Done, int Failed,
    int InFlight, int Remaining, ulong Spent, double Rate, DateTime Created, DateTime? Finished, string? Error, int QuotedNodes = 0, int OfferedNodes = 0)
{
    public const string Running = "running";
}
