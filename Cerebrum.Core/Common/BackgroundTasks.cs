using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Common;

/// <summary>
/// Owns background work so that nothing is fire-and-forget: every task is tracked, cancelled on dispose, awaited,
/// and its failure logged.
/// </summary>
public sealed class BackgroundTasks : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, Task> _tasks = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private long _nextId;
    private int _disposed;

    public BackgroundTasks(ILogger logger) => _logger = logger;

    /// <summary>Cancelled when the owner is disposed.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public int Count => _tasks.Count;

    /// <summary>Starts <paramref name="work"/> on the thread pool and tracks it until it ends.</summary>
    public void Run(string name, Func<CancellationToken, Task> work)
    {
        if (Volatile.Read(ref _disposed) != 0)
            return;
        var id = Interlocked.Increment(ref _nextId);
        var token = _stopping.Token;
        var task = Task.Run(async () =>
        {
            // Background work belongs to no request's trace: a loop started while a traced request ran (a connection
            // dialed for it) must not make that request's span the parent of everything it does later.
            System.Diagnostics.Activity.Current = null;
            try
            {
                await work(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "{Task} failed: {Reason}", name, e.Message);
            }
            finally
            {
                _tasks.TryRemove(id, out _);
            }
        }, CancellationToken.None);
        _tasks.TryAdd(id, task);
        if (task.IsCompleted) _tasks.TryRemove(id, out _);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_tasks.Values).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("{Count} background tasks did not stop within 10 s", _tasks.Count);
        }
        _stopping.Dispose();
    }
}
