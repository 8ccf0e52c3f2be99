namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// Thread-safe counters of the jobs an <see cref="InferProtocolHandler"/> answered: served, failed by error code, and in
/// flight, with a wait for "nothing in flight" so that a stopping node can drain its jobs.
/// </summary>
public sealed class InferJobCounters
{
    private readonly Lock _gate = new();
    private readonly long[] _failed = new long[Enum.GetValues<InferenceErrorCode>().Max(c => (int)c) + 1];
    private long _served;
    private int _inFlight;
    private TaskCompletionSource? _idle;

    public long Served
    {
        get
        {
            lock (_gate) return _served;
        }
    }

    public int InFlight
    {
        get
        {
            lock (_gate) return _inFlight;
        }
    }

    /// <summary>Failed jobs by error code (every code present, zero included).</summary>
    public IReadOnlyDictionary<InferenceErrorCode, long> Failed
    {
        get
        {
            lock (_gate)
                return Enum.GetValues<InferenceErrorCode>().ToDictionary(c => c, c => _failed[(int)c]);
        }
    }

    /// <summary>Completes once no job is in flight (at once when none is).</summary>
    public Task WhenIdleAsync(CancellationToken ct)
    {
        lock (_gate)
        {
            if (_inFlight == 0) return Task.CompletedTask;
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task.WaitAsync(ct);
        }
    }

    internal void Started()
    {
        lock (_gate) _inFlight++;
    }

    /// <param name="failure">Why the job failed; null when it was served.</param>
    internal void Ended(InferenceErrorCode? failure)
    {
        TaskCompletionSource? idle = null;
        lock (_gate)
        {
            if (failure is { } code) _failed[(int)code]++;
            else _served++;
            if (--_inFlight == 0)
            {
                idle = _idle;
                _idle = null;
            }
        }
        idle?.TrySetResult();
    }
}
