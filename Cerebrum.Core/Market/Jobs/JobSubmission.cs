namespace Cerebrum.Core.Market.Jobs;

/// <summary>A request to run a batch job (<c>cerebrum job submit</c>): model, absolute input and results paths, maximum price per input, lease.</summary>
public sealed record JobSubmission(string Model, string InputPath, string OutputPath, ulong? MaxPrice, string? LeaseId);
