using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// A node's recent answers by the requester's request key, so a request sent again (by a job runner that restarted
/// before it recorded the answer) gets the same answer and is not charged twice; one that arrives while the first is
/// still running waits for it. Bounded by bytes and age, oldest first out; a failed request is forgotten, so it may run
/// again (it was not charged).
/// </summary>
public sealed class AnsweredRequests(long maxBytes, TimeSpan maxAge, TimeProvider time)
{
    public const int MaxKeyLength = 32;

    private readonly Lock _gate = new();
    private readonly Dictionary<(PeerId, string), Entry> _entries = [];
    private readonly LinkedList<(PeerId, string)> _order = new();
    private long _bytes;

    public long Bytes
    {
        get
        {
            lock (_gate) return _bytes;
        }
    }

    /// <summary>
    /// Null when the request is new (the caller runs it, then calls <see cref="Complete"/> or <see cref="Abandon"/>);
    /// otherwise the answer, or a task for the answer of the run in progress (null when that run fails).
    /// </summary>
    public Task<byte[]?>? Begin(PeerId requester, ReadOnlySpan<byte> key)
    {
        var id = (requester, Convert.ToHexStringLower(key));
        lock (_gate)
        {
            Expire();
            if (_entries.TryGetValue(id, out var existing)) return existing.Answer.Task;
            var entry = new Entry(new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously), time.GetUtcNow(), _order.AddLast(id));
            _entries[id] = entry;
            return null;
        }
    }

    public void Complete(PeerId requester, ReadOnlySpan<byte> key, byte[] answer)
    {
        var id = (requester, Convert.ToHexStringLower(key));
        Entry? entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(id, out entry)) return;
            entry.Size = answer.Length;
            _bytes += answer.Length;
        }
        entry.Answer.TrySetResult(answer);
        lock (_gate)
        {
            // Only answered entries go: a run in progress keeps its place until it ends.
            while (_bytes > maxBytes && _order.First is { } oldest && _entries[oldest.Value].Answer.Task.IsCompleted) Remove(oldest.Value);
        }
    }

    public void Abandon(PeerId requester, ReadOnlySpan<byte> key)
    {
        var id = (requester, Convert.ToHexStringLower(key));
        Entry? entry;
        lock (_gate)
        {
            if (!_entries.TryGetValue(id, out entry)) return;
            Remove(id);
        }
        entry.Answer.TrySetResult(null);
    }

    private void Expire()
    {
        var cutoff = time.GetUtcNow() - maxAge;
        while (_order.First is { } oldest && _entries[oldest.Value] is { Answer.Task.IsCompleted: true } entry && entry.Created < cutoff) Remove(oldest.Value);
    }

    private void Remove((PeerId, string) id)
    {
        var entry = _entries[id];
        _entries.Remove(id);
        _order.Remove(entry.Node);
        _bytes -= entry.Size;
    }

    private sealed class Entry(TaskCompletionSource<byte[]?> answer, DateTimeOffset created, LinkedListNode<(PeerId, string)> node)
    {
        public TaskCompletionSource<byte[]?> Answer { get; } = answer;

        public DateTimeOffset Created { get; } = created;

        public LinkedListNode<(PeerId, string)> Node { get; } = node;

        public long Size { get; set; }
    }
}
