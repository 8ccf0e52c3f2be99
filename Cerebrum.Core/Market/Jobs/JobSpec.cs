namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// What a batch job runs: the model (hash or name), the input and results files (absolute paths on the daemon's host),
/// the most it pays per input, an optional lease whose node runs it, and what was known at submission (input hash and
/// count, ids already in the results file).
/// </summary>
public sealed record JobSpec(
    string Id,
    string Model,
    string InputPath,
    string OutputPath,
    ulong? MaxPrice,
    string? LeaseId,
    string InputSha256,
    int Total,
    int Skipped,
    DateTimeOffset Created);
