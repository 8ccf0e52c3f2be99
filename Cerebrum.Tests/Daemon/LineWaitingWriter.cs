using System.Text;

namespace Cerebrum.Tests.Daemon;

/// <summary>A thread-safe TextWriter that collects lines and lets a test await a line matching a predicate.</summary>
internal sealed class LineWaitingWriter : TextWriter
{
    private readonly object _gate = new();
    private readonly StringBuilder _partial = new();
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Predicate, TaskCompletionSource<string> Result)> _waiters = [];

    public override Encoding Encoding => Encoding.UTF8;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate) return [.. _lines];
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            if (value == '\n')
            {
                var line = _partial.ToString().TrimEnd('\r');
                _partial.Clear();
                _lines.Add(line);
                foreach (var waiter in _waiters.Where(w => w.Predicate(line)).ToList())
                {
                    _waiters.Remove(waiter);
                    waiter.Result.TrySetResult(line);
                }
            }
            else
            {
                _partial.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "")
            Write(c);
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override Task FlushAsync() => Task.CompletedTask;

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The first line (already written or yet to come) that matches; fails after <paramref name="timeout"/>.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> predicate, TimeSpan timeout)
    {
        lock (_gate)
        {
            var existing = _lines.FirstOrDefault(predicate);
            if (existing is not null)
                return Task.FromResult(existing);
            var result = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((predicate, result));
            return result.Task.WaitAsync(timeout);
        }
    }
}
