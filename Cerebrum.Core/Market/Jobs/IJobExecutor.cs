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

    /// <summary>
    /// The nodes able to run <paramref name="job"/>'s model now at no more than its maximum price (or its lease's node),
    /// best first: those that quoted the job's request when any did, otherwise those heard in offers and heartbeats.
    /// </summary>
    IReadOnlyList<JobNode> Nodes(JobSpec job);

    /// <summary>
    /// Asks the network for quotes for <paramref name="job"/> (<paramref name="inputs"/> inputs left) and waits for them
    /// a bounded window, unless the job has usable quotes already, asked too recently or too often, or cannot be quoted
    /// (a lease, no ledger). Called when the job starts and when it runs short of nodes.
    /// </summary>
    Task SolicitQuotesAsync(JobSpec job, int inputs, CancellationToken cancellationToken);

    /// <summary>The job ended (or its daemon stops): its open request and quotes may go.</summary>
    void EndJob(JobSpec job);

    /// <summary>Share of inputs (0-1) offered first to <see cref="JobNode.Newcomer"/> nodes; otherwise they get inputs only when no other node can take one.</summary>
    double RegisteredShare { get; }

    Task<JobAttemptResult> RunAsync(JobSpec job, JobInput input, JobNode node, ReadOnlyMemory<byte> requestKey, CancellationToken cancellationToken);

    /// <summary>
    /// The outcome of the attempt under <paramref name="requestKey"/> is recorded (queued to the job's store before this
    /// call) and it will not be sent again: what the executor kept to resend it (its payment) may go.
    /// </summary>
    void Forget(ReadOnlyMemory<byte> requestKey);
}
