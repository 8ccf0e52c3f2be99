using System.Collections.Concurrent;
using Cerebrum.Core.Market.Jobs;

namespace Cerebrum.Tests.Market.Jobs;

/// <summary>
/// An executor for tests: fixed nodes, each input's embedding is [index, attempt], and a script may fail inputs on
/// some nodes or hold them until released. Records every attempt (input, node, request key), every request for quotes
/// (the inputs left then) and every job ended.
/// </summary>
internal sealed class ScriptedJobExecutor(params JobNode[] nodes) : IJobExecutor
{
    public ConcurrentQueue<(string Id, string Node, string Key)> Attempts { get; } = new();

    public List<JobNode> Available { get; } = [.. nodes];

    /// <summary>Fails the attempt when it returns an error (retryable).</summary>
    public Func<JobInput, JobNode, string?> Fail { get; set; } = (_, _) => null;

    /// <summary>Attempts wait on this before answering.</summary>
    public TaskCompletionSource Gate { get; set; } = CompletedGate();

    public ConcurrentQueue<string> Forgotten { get; } = new();

    public IReadOnlyList<JobNode> Nodes(JobSpec job) => [.. Available];

    public double RegisteredShare { get; set; }

    public ConcurrentQueue<int> Solicited { get; } = new();

    public ConcurrentQueue<string> Ended { get; } = new();

    public Task SolicitQuotesAsync(JobSpec job, int inputs, CancellationToken cancellationToken)
    {
        Solicited.Enqueue(inputs);
        return Task.CompletedTask;
    }

    public void EndJob(JobSpec job) => Ended.Enqueue(job.Id);

    public string? Refuse(string model, string? leaseId) => model == "unknown" ? "no node announces model unknown" : null;

    public void Forget(ReadOnlyMemory<byte> requestKey) => Forgotten.Enqueue(Convert.ToHexStringLower(requestKey.Span));

    public async Task<JobAttemptResult> RunAsync(JobSpec job, JobInput input, JobNode node, ReadOnlyMemory<byte> requestKey, CancellationToken cancellationToken)
    {
        Attempts.Enqueue((input.Id, node.PeerId, Convert.ToHexStringLower(requestKey.Span)));
        await Gate.Task.WaitAsync(cancellationToken);
        if (Fail(input, node) is { } error) return JobAttemptResult.Failure(error, retryable: true);
        return JobAttemptResult.Success("embedding", $"[{input.Index},{input.Id.Length}]", $"receipt-{input.Id}", node.Price);
    }

    public static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}
