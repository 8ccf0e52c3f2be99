using System.Collections.Concurrent;
using System.Security.Cryptography;
using Cerebrum.Core.Common;
using Cerebrum.Core.Market.Storage;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// A daemon's batch jobs (<c>cerebrum job submit|list|status|cancel</c>): submitted jobs are recorded in <c>market.db</c>
/// and run by a <see cref="JobRunner"/> each; a job still running when the daemon stops (or is killed) resumes at the
/// next <see cref="Start"/>. Submitting again for a results file a running job writes attaches to that job.
/// </summary>
public sealed class BatchJobs : IAsyncDisposable
{
    private readonly MarketStore _store;
    private readonly IJobExecutor _executor;
    private readonly JobLimits _limits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, (JobRunner Runner, CancellationTokenSource Cancel)> _jobs = new(StringComparer.Ordinal);

    public BatchJobs(MarketStore store, IJobExecutor executor, JobLimits limits, TimeProvider time, ILogger logger)
    {
        limits.Validate();
        _store = store;
        _executor = executor;
        _limits = limits;
        _time = time;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
        foreach (var document in store.ReadAll(JobDocuments.JobsCollection))
        {
            var runner = new JobRunner(JobDocuments.Spec(document), document, store, executor, limits, time, logger);
            _jobs[runner.Spec.Id] = (runner, new CancellationTokenSource());
        }
    }

    /// <summary>Resumes every job that was running.</summary>
    public void Start()
    {
        foreach (var (runner, cancel) in _jobs.Values.Where(j => j.Runner.State == JobState.Running))
            Run(runner, cancel);
    }

    /// <summary>Records and starts a job (durably, before it returns), or attaches to the running job writing the same results file.</summary>
    /// <exception cref="JobException">Invalid paths, input or results file, or another job writing the results file.</exception>
    public async Task<JobStatus> SubmitAsync(JobSubmission submission)
    {
        var (runner, cancel, document) = Prepare(submission);
        if (document is not null)
        {
            await _store.Write(JobDocuments.JobsCollection, runner.Spec.Id, document).ConfigureAwait(false);
            Run(runner, cancel!);
        }
        return runner.Status();
    }

    private (JobRunner Runner, CancellationTokenSource? Cancel, LiteDB.BsonDocument? Document) Prepare(JobSubmission submission)
    {
        if (string.IsNullOrWhiteSpace(submission.Model)) throw new JobException("name a model (its name or sha256:<hex>)");
        if (!Path.IsPathFullyQualified(submission.InputPath) || !Path.IsPathFullyQualified(submission.OutputPath))
            throw new JobException("the input and results paths must be absolute");
        var input = Path.GetFullPath(submission.InputPath);
        var output = Path.GetFullPath(submission.OutputPath);
        if (input == output) throw new JobException("the results file must not be the input file");
        lock (_gate)
        {
            if (_jobs.Values.Select(j => j.Runner).FirstOrDefault(r => r.State == JobState.Running && r.Spec.OutputPath == output) is { } running)
            {
                if (running.Spec.InputPath != input || running.Spec.Model != submission.Model)
                    throw new JobException($"job {running.Spec.Id} is already writing {output} from {running.Spec.InputPath} with {running.Spec.Model}");
                return (running, null, null);
            }
            if (Path.GetDirectoryName(output) is not { } directory || !Directory.Exists(directory)) throw new JobException($"the folder of {output} does not exist");
            if (_executor.Refuse(submission.Model, submission.LeaseId) is { } refused) throw new JobException(refused);
            var (inputs, sha) = JobInputReader.Read(input, _limits);
            var answered = JobResultsFile.Scan(output);
            var skipped = inputs.Count(i => answered.ContainsKey(i.Id));
            var spec = new JobSpec(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), submission.Model, input, output, submission.MaxPrice,
                submission.LeaseId, sha, inputs.Count, skipped, _time.GetUtcNow());
            var document = JobDocuments.Job(spec, JobState.Running, 0, 0, 0, null, null);
            var runner = new JobRunner(spec, document, _store, _executor, _limits, _time, _logger);
            var cancel = new CancellationTokenSource();
            _jobs[spec.Id] = (runner, cancel);
            return (runner, cancel, document);
        }
    }

    /// <summary>Every job, newest first.</summary>
    public IReadOnlyList<JobStatus> List() => [.. _jobs.Values.Select(j => j.Runner.Status()).OrderByDescending(s => s.Created).ThenBy(s => s.Id, StringComparer.Ordinal)];

    public JobStatus? Get(string id) => _jobs.TryGetValue(id, out var job) ? job.Runner.Status() : null;

    /// <summary>Stops a running job (its results so far stay); null when there is no such job.</summary>
    public JobStatus? Cancel(string id)
    {
        if (!_jobs.TryGetValue(id, out var job)) return null;
        if (job.Runner.State == JobState.Running) job.Cancel.Cancel();
        return job.Runner.Status();
    }

    public async ValueTask DisposeAsync()
    {
        await _tasks.DisposeAsync().ConfigureAwait(false);
        foreach (var (_, cancel) in _jobs.Values) cancel.Dispose();
    }

    private void Run(JobRunner runner, CancellationTokenSource cancel) =>
        _tasks.Run($"job {runner.Spec.Id}", stopping => runner.RunAsync(cancel.Token, stopping));
}
