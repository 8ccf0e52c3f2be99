using System.Threading.Tasks.Sources;

namespace Cerebrum.Core.Network.Yamux;

/// <summary>
/// A reusable, allocation-free wake-up for a single waiter (a stream's reader, or its writer).
/// Protocol: the waiter checks its condition under the owner's lock and, if unmet, calls <see cref="WaitAsync"/> while
/// still holding it; producers change the condition under the same lock and call <see cref="Set"/> afterwards. Because
/// arming and the condition check are atomic with respect to producers, no wake-up can be lost; spurious wake-ups are
/// possible, so waiters re-check in a loop. Continuations always run asynchronously so producers (the read loop) never
/// execute application code inline.
/// </summary>
internal sealed class AsyncSignal : IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private int _armed;
    private CancellationTokenRegistration _cancellation;

    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        _core.Reset();
        Volatile.Write(ref _armed, 1);
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((AsyncSignal)state!).Complete(new OperationCanceledException(token)), this);
        }
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Wakes the waiter if one is armed; otherwise does nothing (the waiter will see the new condition).</summary>
    public void Set() => Complete(null);

    private void Complete(Exception? error)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 0)
            return;
        if (error is null)
            _core.SetResult(true);
        else
            _core.SetException(error);
    }

    void IValueTaskSource.GetResult(short token)
    {
        // Dispose waits for a concurrently running cancellation callback, so the next WaitAsync cannot be completed by a stale one.
        _cancellation.Dispose();
        _cancellation = default;
        _core.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);
}
