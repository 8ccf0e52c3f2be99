namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// Runs a batch job's inputs on nodes (the daemon implements it with the inference protocol, payment channels and
/// receipt checks). The <paramref name="requestKey"/> of an attempt is stable across a restart of the job's daemon, so
/// a node that already ran it answers again without charging twice.
/// </summary>
public interface IJobExecutor
{
    /// <summary>Why a job for <paramref name="model"/> (with <paramref name="leaseId"/>) cannot run here (an unknown model, a lease that is not ours), or null.</summary>
    string? Refuse(string model, string? leaseId);

    /// <summary>The nodes able to run <paramref name="job"/>'s model now at no more than its maximum price (or its lease's node).</summary>
    IReadOnlyList<JobNode> Nodes(JobSpec job);

    Task<JobAttemptResult> RunAsync(JobSpec job, JobInput input, JobNode node, ReadOnlyMemory<byte> requestKey, CancellationToken cancellationToken);

    /// <summary>
    /// The outcome of the attempt under <paramref name="requestKey"/> is recorded (queued to the job's store before this
    /// call) and it will not be sent again: what the executor kept to resend it (its payment) may go.
    /// </summary>
    void Forget(ReadOnlyMemory<byte> requestKey);
}
