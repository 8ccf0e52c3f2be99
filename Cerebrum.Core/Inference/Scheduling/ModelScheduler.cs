using System.Diagnostics.Metrics;
using Cerebrum.Core.Common;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Inference.Scheduling;

/// <summary>
/// The queue and workers of one model: at most MaxConcurrency runs at once, at most MaxQueueLength waiting (one more is
/// Busy at once), requests dropped once their deadline passes, and, for batchable models, requests of the same shape
/// merged into one run.
/// </summary>
/// <remarks>
/// Each worker is a dedicated thread, not a thread-pool task: a run blocks its thread for the whole ONNX Runtime call
/// (milliseconds to seconds), and on a small machine the pool has only a couple of threads, which the network and
/// protocol code needs. Workers wait for requests on a monitor, so the batching wait (MaxQueueDelay) is as precise as
/// the OS's timed wait; the runtime's timers (CancelAfter, Task.Delay) tick with the coarse clock, 4 ms on a 250 Hz
/// kernel, which would stretch a 2 ms batching window to 4-8 ms.
/// </remarks>
internal sealed class ModelScheduler : IAsyncDisposable
{
    /// <summary>The longest delay a <see cref="CancellationTokenSource"/> timer accepts.</summary>
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly ModelInfo _model;
    private readonly ModelServingOptions _options;
    private readonly Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> _run;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Queue<PendingRequest> _queue = new();
    private readonly object _gate = new(); // guards _queue and _stopping; workers wait on it for requests
    private readonly BackgroundTasks _workers;
    private readonly long _maxQueueDelayTicks;
    private readonly Histogram<double>? _duration;
    private readonly KeyValuePair<string, object?> _modelTag;
    private bool _stopping;
    private readonly bool _batching;
    private int _queued;
    private int _running;
    private long _accepted, _completed, _runs, _busy, _expired, _failed;

    /// <param name="duration">Where each completed request's queueing plus compute time goes, in seconds; null records nothing.</param>
    public ModelScheduler(ModelInfo model, ModelServingOptions options, Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> run, TimeProvider time, ILogger logger,
        Histogram<double>? duration = null)
    {
        _duration = duration;
        _modelTag = InferenceEngineInstruments.ModelTag(model);
        _model = model;
        _options = options;
        _run = run;
        _time = time;
        _logger = logger;
        _batching = options.MaxBatchSize > 1 && BatchAssembler.IsBatchable(model);
        _maxQueueDelayTicks = (long)(options.MaxQueueDelay.TotalSeconds * time.TimestampFrequency);
        _workers = new BackgroundTasks(logger);
        for (var i = 0; i < options.MaxConcurrency; i++)
        {
            _workers.Run($"inference worker {i} of {model.Name}", stop => Task.Factory.StartNew(
                () => Work(stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }
    }

    /// <summary>Test hook: waited for by a worker after it has taken a batch and before it runs it.</summary>
    internal Func<CancellationToken, Task>? BeforeRun { get; set; }

    public bool Batching => _batching;

    public ModelStatistics Statistics => new(
        Interlocked.Read(ref _accepted), Interlocked.Read(ref _completed), Interlocked.Read(ref _runs), Interlocked.Read(ref _busy),
        Interlocked.Read(ref _expired), Interlocked.Read(ref _failed), Volatile.Read(ref _queued), Volatile.Read(ref _running), _options.MaxConcurrency);

    public async Task<InferenceResult> SubmitAsync(IReadOnlyList<Tensor> inputs, DateTimeOffset deadline, CancellationToken ct)
    {
        var remaining = deadline - _time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            Interlocked.Increment(ref _expired);
            throw Expired(deadline);
        }
        // Admission is decided by counting (_queued) so that a full queue answers Busy at once, never waits.
        // Free slots count as queue room: a request that a worker will take at once is not waiting.
        var capacity = _options.MaxQueueLength + _options.MaxConcurrency - Volatile.Read(ref _running);
        if (Interlocked.Increment(ref _queued) > capacity)
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _busy);
            throw new InferenceException(InferenceErrorCode.Busy, $"model {_model.Name} is busy: {_options.MaxQueueLength} requests already queued");
        }
        long rows = 1;
        var key = _batching ? BatchAssembler.Key(inputs, out rows) : null;
        if (key is null) rows = 1;
        var pending = new PendingRequest(inputs, deadline, _time.GetTimestamp(), key, rows);
        Interlocked.Increment(ref _accepted);
        // Timers take at most 2^32-2 ms (about 49.7 days); a deadline further away cannot pass while a request waits.
        using var deadlineTimer = new CancellationTokenSource(remaining <= MaxTimerDelay ? remaining : Timeout.InfiniteTimeSpan, _time);
        using var onDeadline = deadlineTimer.Token.Register(() =>
        {
            if (pending.Completion.TrySetException(Expired(deadline))) Interlocked.Increment(ref _expired);
        });
        using var onCancel = ct.Register(() => pending.Completion.TrySetCanceled(ct));
        lock (_gate)
        {
            if (_stopping)
            {
                Interlocked.Decrement(ref _queued);
                throw new InferenceException(InferenceErrorCode.Internal, $"model {_model.Name} is shutting down");
            }
            _queue.Enqueue(pending);
            Monitor.Pulse(_gate);
        }
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _workers.DisposeAsync().ConfigureAwait(false);
        List<PendingRequest> left;
        lock (_gate)
        {
            left = [.. _queue];
            _queue.Clear();
        }
        foreach (var request in left)
            request.Completion.TrySetException(new InferenceException(InferenceErrorCode.Internal, $"model {_model.Name} was unloaded"));
    }

    private void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>A worker thread's loop: take a request, gather a batch behind it, run, repeat until stopped.</summary>
    private void Work(CancellationToken stop)
    {
        using var onStop = stop.Register(Stop);
        PendingRequest? carried = null;
        while (true)
        {
            var first = carried ?? Take();
            carried = null;
            if (first is null) return;
            var batch = new List<PendingRequest> { first };
            if (_batching && first.BatchKey is not null)
                carried = Collect(batch);
            Interlocked.Increment(ref _running);
            try
            {
                // The hook is test-only; a dedicated thread may block on it.
                if (BeforeRun is { } hook) hook(stop).GetAwaiter().GetResult();
                Execute(batch);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                if (carried is not null) batch.Add(carried);
                foreach (var r in batch)
                    r.Completion.TrySetException(new InferenceException(InferenceErrorCode.Internal, $"model {_model.Name} was unloaded"));
                return;
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    /// <summary>The next queued request, waiting for one; null once stopping.</summary>
    private PendingRequest? Take()
    {
        lock (_gate)
        {
            while (!_stopping)
            {
                if (_queue.TryDequeue(out var next))
                {
                    Interlocked.Decrement(ref _queued);
                    return next;
                }
                Monitor.Wait(_gate);
            }
            return null;
        }
    }

    /// <summary>
    /// Adds same-shaped requests to the batch until it is full or the first one has waited MaxQueueDelay; returns a
    /// request that did not fit.
    /// </summary>
    private PendingRequest? Collect(List<PendingRequest> batch)
    {
        var first = batch[0];
        var rows = first.Rows;
        var closesAt = first.EnqueuedTimestamp + _maxQueueDelayTicks;
        lock (_gate)
        {
            while (rows < _options.MaxBatchSize)
            {
                if (_queue.TryDequeue(out var next))
                {
                    Interlocked.Decrement(ref _queued);
                    if (next.IsSettled) continue;
                    if (next.BatchKey != first.BatchKey || rows + next.Rows > _options.MaxBatchSize) return next;
                    batch.Add(next);
                    rows += next.Rows;
                    continue;
                }
                var left = closesAt - _time.GetTimestamp();
                if (_stopping || left <= 0) return null;
                // Rounded up to whole milliseconds (what the wait takes): at worst a batch closes up to 1 ms late,
                // never early, and the thread never spins.
                Monitor.Wait(_gate, (int)Math.Ceiling(left * 1000.0 / _time.TimestampFrequency));
            }
        }
        return null;
    }

    private void Execute(List<PendingRequest> batch)
    {
        // Requests whose deadline passed (or whose caller gave up) while queued are dropped, never run.
        var now = _time.GetUtcNow();
        batch.RemoveAll(r =>
        {
            if (r.IsSettled) return true;
            if (r.Deadline > now) return false;
            if (r.Completion.TrySetException(Expired(r.Deadline))) Interlocked.Increment(ref _expired);
            return true;
        });
        if (batch.Count == 0) return;
        var started = _time.GetTimestamp();
        IReadOnlyList<IReadOnlyList<Tensor>> split;
        try
        {
            var inputs = BatchAssembler.Merge(batch.Select(r => r.Inputs).ToList());
            Interlocked.Increment(ref _runs);
            var outputs = _run(inputs);
            split = BatchAssembler.Split(outputs, batch.Select(r => r.Rows).ToList());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning("Run of model {Model} ({Count} request(s)) failed: {Reason}", _model.Name, batch.Count, e.Message);
            foreach (var r in batch)
                if (r.Completion.TrySetException(new InferenceException(InferenceErrorCode.Internal, $"model {_model.Name} failed: {e.Message}", e)))
                    Interlocked.Increment(ref _failed);
            return;
        }
        var compute = _time.GetElapsedTime(started);
        for (var i = 0; i < batch.Count; i++)
        {
            var queueTime = TimeSpan.FromTicks(Math.Max(0, (started - batch[i].EnqueuedTimestamp) * TimeSpan.TicksPerSecond / _time.TimestampFrequency));
            if (batch[i].Completion.TrySetResult(new InferenceResult(_model.Hash, split[i], queueTime, compute, batch.Count)))
            {
                Interlocked.Increment(ref _completed);
                _duration?.Record((queueTime + compute).TotalSeconds, _modelTag);
            }
        }
    }

    private static InferenceException Expired(DateTimeOffset deadline) =>
        new(InferenceErrorCode.DeadlineExceeded, $"deadline {deadline:O} passed before the request ran");
}
