using LiteDB;

namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// How batch jobs live in <c>market.db</c>: <c>jobs</c> (the spec, state and counters), <c>job_flight</c> (inputs sent to a
/// node, written before they are sent, so a restart resends them to the same node under the same request key) and
/// <c>job_results</c> (results not yet in the results file; removed, and counted, in the same transaction once appended).
/// </summary>
internal static class JobDocuments
{
    public const string JobsCollection = "jobs";
    public const string FlightCollection = "job_flight";
    public const string ResultsCollection = "job_results";

    public static string InputKey(string jobId, int index) => $"{jobId}:{index}";

    public static BsonDocument Job(JobSpec spec, JobState state, int done, int failed, ulong spent, string? error, DateTimeOffset? finished) => new()
    {
        ["_id"] = spec.Id,
        ["model"] = spec.Model,
        ["input"] = spec.InputPath,
        ["output"] = spec.OutputPath,
        ["maxPrice"] = spec.MaxPrice is { } max ? new BsonValue(checked((long)max)) : BsonValue.Null,
        ["lease"] = spec.LeaseId is { } lease ? new BsonValue(lease) : BsonValue.Null,
        ["sha256"] = spec.InputSha256,
        ["total"] = spec.Total,
        ["skipped"] = spec.Skipped,
        ["created"] = spec.Created.ToUnixTimeMilliseconds(),
        ["state"] = state.ToString(),
        ["done"] = done,
        ["failed"] = failed,
        ["spent"] = checked((long)spent),
        ["error"] = error is null ? BsonValue.Null : new BsonValue(error),
        ["finished"] = finished is { } at ? new BsonValue(at.ToUnixTimeMilliseconds()) : BsonValue.Null,
    };

    public static JobSpec Spec(BsonDocument job) => new(
        job["_id"].AsString,
        job["model"].AsString,
        job["input"].AsString,
        job["output"].AsString,
        job["maxPrice"].IsNull ? null : (ulong)job["maxPrice"].AsInt64,
        job["lease"].IsNull ? null : job["lease"].AsString,
        job["sha256"].AsString,
        job["total"].AsInt32,
        job["skipped"].AsInt32,
        DateTimeOffset.FromUnixTimeMilliseconds(job["created"].AsInt64));

    public static BsonDocument Flight(string jobId, int index, string node, int attempt, IEnumerable<string> excluded) => new()
    {
        ["_id"] = InputKey(jobId, index),
        ["job"] = jobId,
        ["index"] = index,
        ["node"] = node,
        ["attempt"] = attempt,
        ["excluded"] = new BsonArray(excluded.Select(e => new BsonValue(e))),
    };

    public static BsonDocument Result(string jobId, int index, string line, ulong paid, bool failed) => new()
    {
        ["_id"] = InputKey(jobId, index),
        ["job"] = jobId,
        ["index"] = index,
        ["line"] = line,
        ["paid"] = checked((long)paid),
        ["failed"] = failed,
    };
}
