using System.Threading.Channels;
using Cerebrum.Core.Common;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Inference;

/// <summary>
/// The queue and workers of one model: at most MaxConcurrency runs at once, at most MaxQueueLength waiting (one more is
/// Busy at once), requests dropped once their deadline passes, and, for batchable models, requests of the same shape
/// merged into one run.
/// </summary>
internal sealed class ModelScheduler : IAsyncDisposable
{
    private readonly ModelInfo _model;
    private readonly ModelServingOptions _options;
    private readonly Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> _run;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<PendingRequest> _queue;
    private readonly BackgroundTasks _workers;
    private readonly bool _batching;
    private int _queued;
    private int _running;
    private long _accepted, _completed, _runs, _busy, _expired, _failed;

    public ModelScheduler(ModelInfo model, ModelServingOptions options, Func<IReadOnlyList<Tensor>, IReadOnlyList<Tensor>> run, TimeProvider time, ILogger logger)
    {
        _model = model;
        _options = options;
        _run = run;
        _time = time;
        _logger = logger;
        _batching = options.MaxBatchSize > 1 && BatchAssembler.IsBatchable(model);
        // Admission is decided by counting (_queued) so that a full queue answers Busy at once, never waits.
        _queue = Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = options.MaxConcurrency == 1 });
        _workers = new BackgroundTasks(logger);
        for (var i = 0; i < options.MaxConcurrency; i++)
            _workers.Run($"inference worker {i} of {model.Name}", WorkAsync);
    }

    /// <summary>Test hook: awaited by a worker after it has taken a batch and before it runs it.</summary>
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
        using var deadlineTimer = new CancellationTokenSource(remaining, _time);
        using var onDeadline = deadlineTimer.Token.Register(() =>
        {
            if (pending.Completion.TrySetException(Expired(deadline))) Interlocked.Increment(ref _expired);
        });
        using var onCancel = ct.Register(() => pending.Completion.TrySetCanceled(ct));
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            throw new InferenceException(InferenceErrorCode.Internal, $"model {_model.Name} is shutting down");
        }
        return await pending.Completion.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _workers.DisposeAsync().ConfigureAwait(false);
        while (_queue.Reader.TryRead(out var left))
            left.Completion.TrySetException(new InferenceException(InferenceErrorCode.Internal, $"model {_model.Name} was unloaded"));
    }

    private async Task WorkAsync(CancellationToken stop)
    {
        PendingRequest? carried = null;
        var reader = _queue.Reader;
        while (!stop.IsCancellationRequested)
        {
            var first = carried;
            carried = null;
            if (first is null)
            {
                if (!await reader.WaitToReadAsync(stop).ConfigureAwait(false)) return;
                if (!reader.TryRead(out first)) continue;
                Interlocked.Decrement(ref _queued);
            }
            var batch = new List<PendingRequest> { first };
            if (_batching && first.BatchKey is not null)
                carried = await CollectAsync(batch, stop).ConfigureAwait(false);
            Interlocked.Increment(ref _running);
            try
            {
                if (BeforeRun is { } hook) await hook(stop).ConfigureAwait(false);
                Execute(batch);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
        }
    }

    /// <summary>Adds same-shaped requests to the batch until it is full or the first one has waited MaxQueueDelay; returns a request that did not fit.</summary>
    private async Task<PendingRequest?> CollectAsync(List<PendingRequest> batch, CancellationToken stop)
    {
        var first = batch[0];
        var rows = first.Rows;
        var reader = _queue.Reader;
        while (rows < _options.MaxBatchSize)
        {
            if (reader.TryRead(out var next))
            {
                Interlocked.Decrement(ref _queued);
                if (next.IsSettled) continue;
                if (next.BatchKey != first.BatchKey || rows + next.Rows > _options.MaxBatchSize) return next;
                batch.Add(next);
                rows += next.Rows;
                continue;
            }
            var waitLeft = _options.MaxQueueDelay - _time.GetElapsedTime(first.EnqueuedTimestamp);
            if (waitLeft <= TimeSpan.Zero) return null;
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop);
            wait.CancelAfter(waitLeft);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false)) return null;
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                return null;
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
                Interlocked.Increment(ref _completed);
        }
    }

    private static InferenceException Expired(DateTimeOffset deadline) =>
        new(InferenceErrorCode.DeadlineExceeded, $"deadline {deadline:O} passed before the request ran");
}
