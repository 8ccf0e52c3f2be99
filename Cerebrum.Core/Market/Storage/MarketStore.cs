using Cerebrum.Core.Common;
using LiteDB;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Market.Storage;

/// <summary>
/// The market's durable state, <c>DIR/market.db</c> (LiteDB, apart from the ledger's and the model store's files), with
/// group commit: callers queue the latest version of a document and await one task that completes once it is written.
/// Everything queued while a write is under way goes into the next single LiteDB transaction, so many concurrent jobs
/// cost one write, and a job's answer can wait for its payment's durability while the model runs. A write reaches the
/// operating system before its waiters are released, so it survives the process being killed.
/// </summary>
public sealed class MarketStore : IAsyncDisposable
{
    public const string FileName = "market.db";

    private readonly LiteDatabase _database;
    private readonly BackgroundTasks _tasks;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Lock _databaseGate = new();
    private readonly SemaphoreSlim _queued = new(0);
    private Dictionary<(string Collection, string Id), BsonDocument?> _pending = [];
    private TaskCompletionSource _nextWrite = NewWrite();
    private Task _writing = Task.CompletedTask;
    private bool _closed;

    private MarketStore(LiteDatabase database, ILogger logger)
    {
        _database = database;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
        _tasks.Run("market store writer", WriteLoopAsync);
    }

    public string Path { get; private init; } = "";

    /// <exception cref="IOException">The file cannot be opened.</exception>
    public static MarketStore Open(string dataDirectory, ILogger logger)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = System.IO.Path.Combine(dataDirectory, FileName);
        LiteDatabase database;
        try
        {
            database = LiteDatabaseFile.Open(path);
        }
        catch (IOException e) when (e is not StoreDamagedException)
        {
            throw new IOException($"{path} cannot be opened: {e.Message}", e);
        }
        return new MarketStore(database, logger) { Path = path };
    }

    /// <summary>Every stored document of <paramref name="collection"/> (what was written before; not what is queued).</summary>
    public IReadOnlyList<BsonDocument> ReadAll(string collection)
    {
        lock (_databaseGate) return [.. _database.GetCollection(collection).FindAll()];
    }

    /// <summary>Queues <paramref name="document"/> (by its <c>_id</c>; null deletes <paramref name="id"/>); the task completes once written.</summary>
    /// <exception cref="ObjectDisposedException">The store is closed.</exception>
    public Task Write(string collection, string id, BsonDocument? document)
    {
        Task written;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _pending[(collection, id)] = document;
            written = _nextWrite.Task;
        }
        _queued.Release();
        return written;
    }

    /// <summary>Queues several changes that are written in one transaction (all or none survive a crash).</summary>
    /// <exception cref="ObjectDisposedException">The store is closed.</exception>
    public Task WriteAll(IEnumerable<(string Collection, string Id, BsonDocument? Document)> changes)
    {
        Task written;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            foreach (var (collection, id, document) in changes) _pending[(collection, id)] = document;
            written = _nextWrite.Task;
        }
        _queued.Release();
        return written;
    }

    /// <summary>Completes once everything queued so far is written.</summary>
    public Task Flushed()
    {
        lock (_gate) return _pending.Count > 0 ? _nextWrite.Task : _writing;
    }

    /// <summary>Like <see cref="Write"/> for a change nobody waits for (a failure is logged).</summary>
    public void Queue(string collection, string id, BsonDocument? document) => Write(collection, id, document);

    /// <summary>
    /// Queues a change without starting a write for it: it goes with the next <see cref="Write"/>, or at the latest
    /// <see cref="DeferredWriteDelay"/> later. For state whose loss in a crash is recoverable (a payer's book, which the
    /// node's best voucher resynchronises), so a request need not cost a disk write of its own. The task completes once written.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The store is closed.</exception>
    public Task Defer(string collection, string id, BsonDocument? document)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            _pending[(collection, id)] = document;
            return _nextWrite.Task;
        }
    }

    /// <summary>How long a <see cref="Defer"/>red change waits at most for a write to go with.</summary>
    public static readonly TimeSpan DeferredWriteDelay = TimeSpan.FromSeconds(1);

    private async Task WriteLoopAsync(CancellationToken stopping)
    {
        while (true)
        {
            try
            {
                // A timeout writes what was deferred (nothing when the queue is empty).
                await _queued.WaitAsync(DeferredWriteDelay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                WriteBatch();
                return;
            }
            WriteBatch();
        }
    }

    /// <summary>Writes everything queued in one transaction and releases its waiters (with the failure, if it fails).</summary>
    private void WriteBatch()
    {
        Dictionary<(string Collection, string Id), BsonDocument?> batch;
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_pending.Count == 0) return;
            batch = _pending;
            done = _nextWrite;
            _writing = done.Task;
            _pending = [];
            _nextWrite = NewWrite();
        }
        // Queuing goes on during the write: only the swap above holds the queue's lock.
        lock (_databaseGate)
        {
            try
            {
                _database.BeginTrans();
                foreach (var ((collection, id), document) in batch)
                {
                    var target = _database.GetCollection(collection);
                    if (document is null) target.Delete(id);
                    else target.Upsert(document);
                }
                _database.Commit();
            }
            catch (Exception e) when (e is LiteException or IOException or UnauthorizedAccessException)
            {
                _database.Rollback();
                _logger.LogError(e, "Cannot write {Path}: {Reason}", Path, e.Message);
                done.SetException(new IOException($"cannot write {Path}: {e.Message}", e));
                // Waiters see the failure; a batch nobody waited for must not surface later as an unobserved exception.
                _ = done.Task.Exception;
                return;
            }
        }
        done.SetResult();
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_closed) return;
            _closed = true;
        }
        await _tasks.DisposeAsync().ConfigureAwait(false);
        WriteBatch();
        _database.Dispose();
        _queued.Dispose();
    }

    private static TaskCompletionSource NewWrite() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
