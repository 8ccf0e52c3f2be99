using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Market.Storage;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// Runs one batch job to its end: spreads the inputs over the nodes the executor offers (up to each one's slots),
/// retries a failed input on another node, and writes the results file in input order. Every input sent is recorded
/// before it is sent (so a restart resends it to the same node under the same request key, which the node answers
/// without charging twice); every result is recorded before it is written, and counted in the same transaction that
/// forgets it once it is in the file. A restart resumes from the file and the store, so no line is written twice.
/// Before it picks nodes, and again when it runs short of them, it asks the executor for quotes
/// (<see cref="IJobExecutor.SolicitQuotesAsync"/>); the nodes it used, by where they came from, are in its status.
/// </summary>
internal sealed class JobRunner
{
    private static readonly TimeSpan NodePoll = TimeSpan.FromMilliseconds(500);

    private readonly JobSpec _spec;
    private readonly MarketStore _store;
    private readonly IJobExecutor _executor;
    private readonly JobLimits _limits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, (string Node, int Attempt, HashSet<string> Excluded)> _flight = [];
    private readonly SortedDictionary<int, (string Line, ulong Paid, bool Failed)> _results = [];
    private IReadOnlyList<JobInput> _inputs = [];
    private bool[] _written = [];
    private int _nextToWrite;
    private int _done;
    private int _failed;
    private ulong _spent;
    private int _doneThisRun;
    private DateTimeOffset _startedThisRun;
    private readonly Dictionary<string, JobNodeSource> _nodesUsed = new(StringComparer.Ordinal);
    private long _assignedThisRun;
    private long _assignedToNewcomers;

    public JobRunner(JobSpec spec, BsonDocument job, MarketStore store, IJobExecutor executor, JobLimits limits, TimeProvider time, ILogger logger)
    {
        _spec = spec;
        _store = store;
        _executor = executor;
        _limits = limits;
        _time = time;
        _logger = logger;
        State = Enum.Parse<JobState>(job["state"].AsString);
        _done = job["done"].AsInt32;
        _failed = job["failed"].AsInt32;
        _spent = (ulong)job["spent"].AsInt64;
        Error = job["error"].IsNull ? null : job["error"].AsString;
        Finished = job["finished"].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(job["finished"].AsInt64);
    }

    public JobSpec Spec => _spec;

    public JobState State { get; private set; }

    public string? Error { get; private set; }

    public DateTimeOffset? Finished { get; private set; }

    public JobStatus Status()
    {
        lock (_gate)
        {
            var elapsed = (_time.GetUtcNow() - _startedThisRun).TotalSeconds;
            var pendingPaid = _results.Values.Aggregate(0UL, (sum, r) => sum + r.Paid);
            return new JobStatus(_spec.Id, _spec.Model, _spec.InputPath, _spec.OutputPath, State, _spec.Total, _spec.Skipped,
                _done + _results.Values.Count(r => !r.Failed), _failed + _results.Values.Count(r => r.Failed), _flight.Count, _spent + pendingPaid,
                _spec.Created, Finished, Error, State == JobState.Running && elapsed > 0 ? _doneThisRun / elapsed : 0,
                _nodesUsed.Values.Count(s => s == JobNodeSource.Quote), _nodesUsed.Values.Count(s => s == JobNodeSource.Offer));
        }
    }

    /// <summary>Runs until every input has a result line, the job is cancelled (<paramref name="cancel"/>), or the daemon stops (<paramref name="stopping"/>).</summary>
    public async Task RunAsync(CancellationToken cancel, CancellationToken stopping)
    {
        _startedThisRun = _time.GetUtcNow();
        try
        {
            Resume();
            await DispatchAsync(cancel, stopping).ConfigureAwait(false);
            if (stopping.IsCancellationRequested) return;
            await FinishAsync(cancel.IsCancellationRequested ? JobState.Cancelled : JobState.Done, null).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The daemon is stopping: the job stays Running and resumes at the next start.
        }
        catch (Exception e) when (e is JobException or IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Job {Job} failed: {Reason}", _spec.Id, e.Message);
            await FinishAsync(JobState.Failed, e.Message).ConfigureAwait(false);
        }
        finally
        {
            _executor.EndJob(_spec);
        }
    }

    /// <summary>Rebuilds the state from the input and results files and the store.</summary>
    private void Resume()
    {
        var (inputs, sha) = JobInputReader.Read(_spec.InputPath, _limits);
        if (sha != _spec.InputSha256) throw new JobException($"{_spec.InputPath} changed since the job was submitted");
        _inputs = inputs;
        _written = new bool[inputs.Count];
        var inFile = JobResultsFile.Scan(_spec.OutputPath);
        for (var i = 0; i < inputs.Count; i++) _written[i] = inFile.ContainsKey(inputs[i].Id);
        var settle = new List<(string, string, BsonDocument?)>();
        foreach (var result in _store.ReadAll(JobDocuments.ResultsCollection).Where(d => d["job"].AsString == _spec.Id))
        {
            var index = result["index"].AsInt32;
            var entry = (result["line"].AsString, (ulong)result["paid"].AsInt64, result["failed"].AsBoolean);
            if (_written[index])
            {
                // Appended before a crash, not yet counted: count it now.
                Count(entry.Item3, entry.Item2);
                settle.Add((JobDocuments.ResultsCollection, result["_id"].AsString, null));
            }
            else
            {
                _results[index] = entry;
            }
        }
        foreach (var flight in _store.ReadAll(JobDocuments.FlightCollection).Where(d => d["job"].AsString == _spec.Id))
        {
            var index = flight["index"].AsInt32;
            if (_written[index] || _results.ContainsKey(index)) settle.Add((JobDocuments.FlightCollection, flight["_id"].AsString, null));
            else _flight[index] = (flight["node"].AsString, flight["attempt"].AsInt32, [.. flight["excluded"].AsArray.Select(e => e.AsString)]);
        }
        if (settle.Count > 0) settle.Add((JobDocuments.JobsCollection, _spec.Id, JobDocument()));
        _store.WriteAll(settle);
        Advance();
    }

    private async Task DispatchAsync(CancellationToken cancel, CancellationToken stopping)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancel, stopping);
        var running = new Dictionary<Task<(int Index, JobAttemptResult? Result)>, int>();
        // Inputs a previous run sent go back to the same node, under the same request key (and with the same payment),
        // once that node is offered again: it may have run them, and answers them again free. Only when it stays away
        // for the no-node timeout do they go elsewhere.
        var resend = _flight.Keys.ToList();
        var resumed = _time.GetUtcNow();
        var todo = new Queue<int>(Enumerable.Range(0, _inputs.Count).Where(i => !_written[i] && !_results.ContainsKey(i) && !_flight.ContainsKey(i)));
        var retry = new Queue<int>();
        var noNodeSince = (DateTimeOffset?)null;
        // Quotes first: the job waits for them (a bounded window) before it picks nodes. Later requests, when it runs
        // short of nodes, run beside the dispatch, so inputs keep flowing to the nodes it has meanwhile.
        await SolicitQuotesAsync(both.Token).ConfigureAwait(false);
        var soliciting = Task.CompletedTask;
        try
        {
            await DispatchLoopAsync().ConfigureAwait(false);
        }
        finally
        {
            await soliciting.ConfigureAwait(false);
        }
        stopping.ThrowIfCancellationRequested();
        if (!cancel.IsCancellationRequested) return;
        // Cancelled: what was sent is forgotten (its node may or may not have run it); the results so far stay.
        await Task.WhenAll(running.Keys).ConfigureAwait(false);
        lock (_gate)
        {
            _store.WriteAll(_flight.Keys.Select(i => (JobDocuments.FlightCollection, JobDocuments.InputKey(_spec.Id, i), (BsonDocument?)null)).ToList());
            _flight.Clear();
        }
        await FlushAsync().ConfigureAwait(false);
        return;

        async Task DispatchLoopAsync()
        {
            while (!both.IsCancellationRequested)
            {
                if (resend.Count > 0)
                {
                    var offered = _executor.Nodes(_spec).Select(n => n.PeerId).ToHashSet(StringComparer.Ordinal);
                    var late = _time.GetUtcNow() - resumed >= _limits.NoNodeTimeout;
                    foreach (var index in resend.Where(i => late || offered.Contains(FlightNode(i))).ToList())
                    {
                        resend.Remove(index);
                        running[Attempt(index, both.Token)] = index;
                    }
                }
                var assigned = Assign(todo, retry);
                // Short of nodes (inputs wait and none was assigned): ask again; the executor bounds how often and how many times.
                if (assigned.Count == 0 && (todo.Count > 0 || retry.Count > 0) && soliciting.IsCompleted) soliciting = SolicitQuotesAsync(both.Token);
                if (assigned.Count > 0)
                {
                    noNodeSince = null;
                    await _store.WriteAll(assigned.Select(a => (JobDocuments.FlightCollection, JobDocuments.InputKey(_spec.Id, a), (BsonDocument?)FlightDocument(a)))).ConfigureAwait(false);
                    foreach (var index in assigned) running[Attempt(index, both.Token)] = index;
                }
                if (running.Count == 0)
                {
                    if (todo.Count == 0 && retry.Count == 0 && resend.Count == 0) return;
                    noNodeSince ??= _time.GetUtcNow();
                    if (resend.Count == 0 && _time.GetUtcNow() - noNodeSince >= _limits.NoNodeTimeout)
                    {
                        var message = $"no node serves {_spec.Model} at the price asked";
                        while (todo.Count > 0 || retry.Count > 0) Resolve(retry.Count > 0 ? retry.Dequeue() : todo.Dequeue(), null, message, 0);
                        await FlushAsync().ConfigureAwait(false);
                        return;
                    }
                    try
                    {
                        await Task.Delay(NodePoll, _time, both.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (both.IsCancellationRequested)
                    {
                        // Cancelled or stopping while waiting for a node: the caller tells which and cleans up.
                        return;
                    }
                    continue;
                }
                var finished = await Task.WhenAny(running.Keys.Append(Task.Delay(NodePoll, _time, both.Token).ContinueWith(_ => (-1, (JobAttemptResult?)null), TaskScheduler.Default))).ConfigureAwait(false);
                if (!running.Remove(finished, out _)) continue;
                var (done, result) = await finished.ConfigureAwait(false);
                Complete(done, result, retry);
                foreach (var ready in running.Keys.Where(t => t.IsCompleted).ToList())
                {
                    running.Remove(ready);
                    var (index, outcome) = await ready.ConfigureAwait(false);
                    Complete(index, outcome, retry);
                }
                await FlushAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task SolicitQuotesAsync(CancellationToken cancellationToken)
    {
        int remaining;
        lock (_gate) remaining = Math.Max(1, _spec.Total - _spec.Skipped - _done - _failed - _results.Count);
        try
        {
            await _executor.SolicitQuotesAsync(_spec, remaining, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled or stopping: the dispatch loop sees it.
        }
    }

    /// <summary>
    /// Picks nodes for as many waiting inputs as the nodes' free slots allow; retries first, then in input order. Of the
    /// nodes with a free slot, the cheapest (then the least loaded, then the executor's order: fastest, best reputation);
    /// newcomers (Registered, not yet Active) first for <see cref="IJobExecutor.RegisteredShare"/> of the inputs, and
    /// otherwise only when no other node can take one, as the gateway routes.
    /// </summary>
    private List<int> Assign(Queue<int> todo, Queue<int> retry)
    {
        var assigned = new List<int>();
        if (todo.Count == 0 && retry.Count == 0) return assigned;
        var nodes = _executor.Nodes(_spec);
        if (nodes.Count == 0) return assigned;
        lock (_gate)
        {
            // Only inputs running count against a node: one waiting for a retry still has its last node in its flight record.
            var waiting = retry.ToHashSet();
            var load = nodes.ToDictionary(n => n.PeerId, n => _flight.Count(f => f.Value.Node == n.PeerId && !waiting.Contains(f.Key)), StringComparer.Ordinal);
            JobNode? Best(IEnumerable<JobNode> pool) => pool
                .OrderBy(n => n.Price)
                .ThenBy(n => (double)load[n.PeerId] / Math.Min(n.Slots, _limits.MaxInFlightPerNode))
                .FirstOrDefault();
            while (todo.Count > 0 || retry.Count > 0)
            {
                var index = retry.Count > 0 ? retry.Peek() : todo.Peek();
                var excluded = _flight.TryGetValue(index, out var previous) ? previous.Excluded : [];
                var candidates = nodes.Where(n => load[n.PeerId] < Math.Min(n.Slots, _limits.MaxInFlightPerNode)).ToList();
                // Another node when there is one; the same one again when it is the only one.
                var fresh = candidates.Where(n => !excluded.Contains(n.PeerId)).ToList();
                var pool = fresh.Count > 0 ? fresh : nodes.All(n => excluded.Contains(n.PeerId)) ? candidates : [];
                var newcomersFirst = _assignedToNewcomers < _executor.RegisteredShare * (_assignedThisRun + 1);
                var choice = Best(pool.Where(n => n.Newcomer == newcomersFirst)) ?? Best(pool.Where(n => n.Newcomer != newcomersFirst));
                if (choice is null) break;
                _assignedThisRun++;
                if (choice.Newcomer) _assignedToNewcomers++;
                if (_nodesUsed.TryAdd(choice.PeerId, choice.Source))
                    _logger.LogInformation("Job {Job} runs inputs on {Node} ({Price} micro-CER an input, from its {Source})", _spec.Id, choice.PeerId, choice.Price,
                        choice.Source switch { JobNodeSource.Quote => "quote", JobNodeSource.Lease => "lease", _ => "offer or heartbeat" });
                if (retry.Count > 0 && retry.Peek() == index) retry.Dequeue();
                else todo.Dequeue();
                _flight[index] = (choice.PeerId, previous.Attempt + 1, excluded);
                load[choice.PeerId]++;
                assigned.Add(index);
            }
        }
        return assigned;
    }

    private string FlightNode(int index)
    {
        lock (_gate) return _flight[index].Node;
    }

    private BsonDocument FlightDocument(int index)
    {
        lock (_gate)
        {
            var (node, attempt, excluded) = _flight[index];
            return JobDocuments.Flight(_spec.Id, index, node, attempt, excluded);
        }
    }

    private async Task<(int, JobAttemptResult?)> Attempt(int index, CancellationToken cancellationToken)
    {
        string nodeId;
        int attempt;
        lock (_gate) (nodeId, attempt, _) = _flight[index];
        var node = _executor.Nodes(_spec).FirstOrDefault(n => n.PeerId == nodeId) ?? new JobNode(nodeId, 1, 0);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_limits.AttemptTimeout);
        try
        {
            return (index, await _executor.RunAsync(_spec, _inputs[index], node, RequestKey(index, attempt), timeout.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (index, JobAttemptResult.Failure($"no answer from {nodeId} within {_limits.AttemptTimeout.TotalSeconds} s", retryable: true));
        }
        catch (OperationCanceledException)
        {
            // Cancelled or stopping: the input stays in flight (resent after a restart, forgotten after a cancel).
            return (index, null);
        }
    }

    private void Complete(int index, JobAttemptResult? result, Queue<int> retry)
    {
        if (result is null) return;
        string node;
        int attempt;
        lock (_gate) (node, attempt, _) = _flight[index];
        if (result.Succeeded)
        {
            Resolve(index, JobResultsFile.SuccessLine(_inputs[index].Id, result.ResultName!, result.ResultJson!, node, result.ReceiptHash!), null, result.Paid);
            return;
        }
        if (result.Retryable && attempt < _limits.MaxAttempts)
        {
            lock (_gate) _flight[index].Excluded.Add(node);
            retry.Enqueue(index);
            _executor.Forget(RequestKey(index, attempt));
            return;
        }
        Resolve(index, null, result.Error!, result.Paid);
    }

    /// <summary>Records an input's final line (success or error) in the store, in one transaction with forgetting its flight record.</summary>
    private void Resolve(int index, string? line, string? error, ulong paid)
    {
        var failed = line is null;
        line ??= JobResultsFile.ErrorLine(_inputs[index].Id, error!);
        int attempt;
        lock (_gate)
        {
            attempt = _flight.TryGetValue(index, out var flight) ? flight.Attempt : 0;
            _results[index] = (line, paid, failed);
            _flight.Remove(index);
            if (!failed) _doneThisRun++;
        }
        _store.WriteAll(
        [
            (JobDocuments.ResultsCollection, JobDocuments.InputKey(_spec.Id, index), JobDocuments.Result(_spec.Id, index, line, paid, failed)),
            (JobDocuments.FlightCollection, JobDocuments.InputKey(_spec.Id, index), null),
        ]);
        // Queued after the result, so the store never holds the result's absence with the payment's record gone.
        if (attempt > 0) _executor.Forget(RequestKey(index, attempt));
    }

    /// <summary>Appends the results that are next in input order, then counts and forgets them in one transaction.</summary>
    private async Task FlushAsync()
    {
        List<(int Index, string Line, ulong Paid, bool Failed)> ready = [];
        lock (_gate)
        {
            Advance();
            var next = _nextToWrite;
            while (next < _inputs.Count && (_written[next] || _results.ContainsKey(next)))
            {
                if (!_written[next])
                {
                    var (line, paid, failed) = _results[next];
                    ready.Add((next, line, paid, failed));
                }
                next++;
            }
        }
        if (ready.Count == 0) return;
        // The store must hold every result before its line is written, so a crash between leaves it to be counted.
        await _store.Flushed().ConfigureAwait(false);
        JobResultsFile.Append(_spec.OutputPath, ready.Select(r => r.Line));
        List<(string, string, BsonDocument?)> changes = [];
        lock (_gate)
        {
            foreach (var (index, _, paid, failed) in ready)
            {
                _written[index] = true;
                _results.Remove(index);
                Count(failed, paid);
                changes.Add((JobDocuments.ResultsCollection, JobDocuments.InputKey(_spec.Id, index), null));
            }
            changes.Add((JobDocuments.JobsCollection, _spec.Id, JobDocument()));
            Advance();
        }
        await _store.WriteAll(changes).ConfigureAwait(false);
    }

    private async Task FinishAsync(JobState state, string? error)
    {
        BsonDocument document;
        lock (_gate)
        {
            State = state;
            Error = error;
            Finished = _time.GetUtcNow();
            document = JobDocument();
        }
        await _store.Write(JobDocuments.JobsCollection, _spec.Id, document).ConfigureAwait(false);
    }

    private void Count(bool failed, ulong paid)
    {
        if (failed) _failed++;
        else _done++;
        _spent += paid;
    }

    private void Advance()
    {
        while (_nextToWrite < _written.Length && _written[_nextToWrite]) _nextToWrite++;
    }

    private BsonDocument JobDocument() => JobDocuments.Job(_spec, State, _done, _failed, _spent, Error, Finished);

    private ReadOnlyMemory<byte> RequestKey(int index, int attempt) =>
        SHA256.HashData(Encoding.UTF8.GetBytes($"cerebrum-job-input:{_spec.Id}:{index}:{attempt}")).AsMemory(0, 16);
}
