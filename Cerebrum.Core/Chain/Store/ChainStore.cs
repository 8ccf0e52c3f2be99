using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Evidence;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Chain.Validators;
using Cerebrum.Core.Common;
using Cerebrum.Core.Consensus;
using LiteDB;

namespace Cerebrum.Core.Chain.Store;

/// <summary>
/// The ledger's durable copy in its own LiteDB file, <c>DIR/chain.db</c> (separate from <c>cerebrum.db</c>, so the
/// ledger's writes and the model store's never share a transaction or a lock). Collections: <c>blocks</c> (by height,
/// with a unique hash index; block bytes, commit bytes and the validator set that decided it), <c>txs</c> (hash bytes →
/// height and index), <c>state</c> (state key → value encoding) and <c>meta</c> (the head). Every block is written in
/// one LiteDB transaction, and the in-memory state changes only after it commits, so a crash at any instant leaves
/// the last committed block, which reopening resumes from.
/// </summary>
public sealed class ChainStore : IChainHistory, IDisposable
{
    public const string FileName = "chain.db";
    private const string HeadId = "head";

    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _blocks;
    private readonly ILiteCollection<BsonDocument> _txs;
    private readonly ILiteCollection<BsonDocument> _state;
    private readonly ILiteCollection<BsonDocument> _meta;
    private readonly ChainParams _params;

    private ChainStore(LiteDatabase database, ChainParams parameters)
    {
        _database = database;
        _params = parameters;
        State = new CommittedState(parameters);
        _blocks = database.GetCollection("blocks");
        _blocks.EnsureIndex("hash", unique: true);
        _txs = database.GetCollection("txs");
        _state = database.GetCollection("state");
        _meta = database.GetCollection("meta");
    }

    public CommittedState State { get; }

    public ChainHead Head { get; private set; } = null!;

    /// <summary>Test hook: called with a step name before each write of a block commit; throwing aborts the commit.</summary>
    internal Action<string>? BeforeWrite { get; set; }

    /// <summary>Opens <c>DIR/chain.db</c>, initializing it from <paramref name="genesis"/> when new.</summary>
    /// <exception cref="ChainException">The file belongs to another genesis, or is corrupt.</exception>
    public static ChainStore Open(string dataDirectory, GenesisDocument genesis)
    {
        Directory.CreateDirectory(dataDirectory);
        LiteDatabase database;
        try
        {
            database = LiteDatabaseFile.Open(Path.Combine(dataDirectory, FileName));
        }
        catch (StoreDamagedException e)
        {
            throw Corrupt($"{Path.Combine(dataDirectory, FileName)} is damaged and cannot be read ({e.InnerException!.GetType().Name}: {e.InnerException.Message}); " +
                "restore it from a backup, or move it away to sync the chain again from peers", e);
        }
        catch (IOException e)
        {
            throw new ChainException(new ChainError(ChainErrorCode.StoreMismatch, $"{Path.Combine(dataDirectory, FileName)} cannot be opened: {e.Message}"), e);
        }
        try
        {
            var store = new ChainStore(database, genesis.Params);
            store.Load(genesis);
            return store;
        }
        catch (Exception e) when (e is not ChainException and not OutOfMemoryException)
        {
            // A damaged file surfaces as whatever LiteDB or a decoder trips on (LiteException, InvalidCastException,
            // NullReferenceException on a missing field...): all of it is one clear refusal, never a half-open store.
            DisposeQuietly(database);
            throw Corrupt($"{Path.Combine(dataDirectory, FileName)} is damaged and cannot be read ({e.GetType().Name}: {e.Message}); " +
                "restore it from a backup, or move it away to sync the chain again from peers", e);
        }
        catch
        {
            DisposeQuietly(database);
            throw;
        }
    }

    private static void DisposeQuietly(LiteDatabase database)
    {
        try
        {
            database.Dispose();
        }
        catch (Exception e) when (e is LiteException or IOException or InvalidOperationException or InvalidCastException or NullReferenceException or ArgumentException)
        {
            // Closing checkpoints the log into the file, which a damaged file can refuse; the open already failed
            // with the error that matters, and the file is left as it was found.
            _ = e;
        }
    }

    private void Load(GenesisDocument genesis)
    {
        var genesisChanges = GenesisState.Build(genesis);
        var genesisRoot = new CommittedState().ComputeRoot(genesisChanges);
        var meta = _meta.FindById(HeadId);
        if (meta is null && (_blocks.LongCount() > 0 || _state.LongCount() > 0))
            throw Corrupt($"{FileName} holds blocks or state but no head record");
        if (meta is null)
        {
            _database.BeginTrans();
            try
            {
                WriteState(genesisChanges);
                _meta.Upsert(HeadDocument(genesis.ChainId, genesisRoot, 0, [], genesis.GenesisTime.ToUnixTimeMilliseconds(), genesisRoot));
                _database.Commit();
            }
            catch
            {
                _database.Rollback();
                throw;
            }
            meta = _meta.FindById(HeadId);
        }
        if (meta["chainId"].AsString != genesis.ChainId || !meta["genesisRoot"].AsBinary.AsSpan().SequenceEqual(genesisRoot))
            throw Corrupt($"{FileName} belongs to chain '{meta["chainId"].AsString}' with another genesis; this genesis is '{genesis.ChainId}'");
        try
        {
            State.Load(_state.FindAll().Select(d => (d["_id"].AsString, d["v"].AsBinary)));
        }
        catch (Exception e) when (e is FormatException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw Corrupt($"{FileName} holds a corrupt state entry: {e.Message}");
        }
        var height = (ulong)meta["height"].AsInt64;
        if (!State.Root.AsSpan().SequenceEqual(meta["stateRoot"].AsBinary))
            throw Corrupt($"{FileName}: the stored state does not hash to the state root recorded at height {height}");
        var lastTimeMs = meta["lastTimeMs"].AsInt64;
        // A time no block may carry (e.g. long.MaxValue, accepted by versions before block times were bounded): the chain
        // after it cannot be validated, so say so rather than start and fail on every block or status call.
        if (!BlockTime.IsInRange(lastTimeMs))
            throw Corrupt($"{FileName}: block {height} has time {lastTimeMs} ms, outside what a block may carry (0 to {BlockTime.MaxUnixMs} ms, 1970 to the year 3000); "
                + "it was accepted by an older version that did not bound block times. Remove this data directory's chain.db and let the daemon sync from peers on a chain without that block");
        ValidatorSet? last = null;
        if (height > 0)
        {
            var block = _blocks.FindById((long)height) ?? throw Corrupt($"{FileName} lacks its last block {height}");
            CheckHeadBlock(block, height, meta["lastHash"].AsBinary, meta["stateRoot"].AsBinary);
            last = ValidatorSet.Decode(block["validators"].AsBinary);
        }
        else if (meta["lastHash"].AsBinary is not { Length: 0 })
        {
            throw Corrupt($"{FileName}: the head record at height 0 names a previous block");
        }
        var next = ValidatorSetCalculator.Next(State, null, _params)
            ?? throw Corrupt($"{FileName}: no validator is left after height {height} (every one jailed)");
        Head = new ChainHead(genesis.ChainId, height, meta["lastHash"].AsBinary, lastTimeMs, State.Root, next, last);
    }

    /// <summary>
    /// The head record and the last block must agree (they are written in one transaction): the block's bytes hash to
    /// the recorded hash and its header names the height and the state root the state hashes to. Otherwise a damaged
    /// head would put the node on a chain nobody has (a wrong previous hash in its next proposal).
    /// </summary>
    private static void CheckHeadBlock(BsonDocument block, ulong height, byte[] lastHash, byte[] stateRoot)
    {
        var bytes = block["block"].AsBinary;
        if (bytes is null || !BlockHashing.TryHashBlock(bytes, out var hash))
            throw Corrupt($"{FileName}: block {height} does not decode");
        var header = Proto.Block.Parser.ParseFrom(bytes).Header;
        if (!hash.AsSpan().SequenceEqual(lastHash) || !block["hash"].AsBinary.AsSpan().SequenceEqual(lastHash))
            throw Corrupt($"{FileName}: block {height} does not hash to the head's recorded hash");
        if (header.Height != height || !header.StateRoot.Span.SequenceEqual(stateRoot))
            throw Corrupt($"{FileName}: block {height}'s header does not match the head (height {header.Height}, state root {Convert.ToHexStringLower(header.StateRoot.Span)})");
    }

    /// <summary>Writes the executed block, its commit, its transactions' index, its state changes and the new head in one transaction, then updates memory.</summary>
    public void Commit(BlockExecution execution, byte[] commit)
    {
        var head = execution.NewHead;
        if (head.Height != Head.Height + 1) throw new InvalidOperationException($"block {head.Height} does not follow {Head.Height}");
        _database.BeginTrans();
        try
        {
            BeforeWrite?.Invoke("block");
            _blocks.Insert(new BsonDocument
            {
                ["_id"] = (long)head.Height,
                ["hash"] = new BsonValue(execution.Hash),
                ["block"] = new BsonValue(execution.BlockBytes),
                ["commit"] = new BsonValue(commit),
                ["validators"] = new BsonValue(head.LastValidators!.Encoded),
                ["time"] = head.LastTimeUnixMs,
            });
            BeforeWrite?.Invoke("txs");
            // A transaction hash never repeats on a chain (its nonce is spent), so a plain bulk insert suffices. Keyed by
            // the hash's bytes: LiteDB compares binary keys bytewise, and hex strings with its collation (several times slower).
            _txs.InsertBulk(execution.TxHashes.Select((hash, i) => new BsonDocument { ["_id"] = new BsonValue(hash), ["height"] = (long)head.Height, ["index"] = i }));
            BeforeWrite?.Invoke("state");
            WriteState(execution.Changes);
            BeforeWrite?.Invoke("meta");
            var meta = _meta.FindById(HeadId);
            _meta.Upsert(HeadDocument(head.ChainId, meta["genesisRoot"].AsBinary, head.Height, head.LastHash, head.LastTimeUnixMs, head.StateRoot));
            BeforeWrite?.Invoke("commit");
            _database.Commit();
        }
        catch
        {
            _database.Rollback();
            throw;
        }
        State.Apply(execution.Changes);
        Head = head;
    }

    /// <summary>A committed block's encoding and its commit.</summary>
    public (byte[] Block, byte[] Commit)? GetBlock(ulong height) =>
        height is 0 or > long.MaxValue || _blocks.FindById((long)height) is not { } doc ? null : (doc["block"].AsBinary, doc["commit"].AsBinary);

    public ulong? GetHeight(byte[] blockHash) =>
        _blocks.FindOne(Query.EQ("hash", new BsonValue(blockHash))) is { } doc ? (ulong)doc["_id"].AsInt64 : null;

    /// <summary>The validator set that decided a committed height.</summary>
    public ValidatorSet? GetValidators(ulong height) =>
        height is 0 or > long.MaxValue || _blocks.FindById((long)height) is not { } doc ? null : ValidatorSet.Decode(doc["validators"].AsBinary);

    /// <summary>A committed block's time (stores written before blocks recorded it: read from the block's header).</summary>
    public long? GetBlockTimeUnixMs(ulong height)
    {
        if (height is 0 or > long.MaxValue || _blocks.FindById((long)height) is not { } doc) return null;
        return doc.TryGetValue("time", out var time) && time.IsInt64 ? time.AsInt64 : Proto.Block.Parser.ParseFrom(doc["block"].AsBinary).Header.TimeUnixMs;
    }

    public (ulong Height, int Index)? GetTransactionLocation(byte[] hash) =>
        // Stores written before the index was keyed by bytes hold hex-string keys.
        (_txs.FindById(new BsonValue(hash)) ?? _txs.FindById(Convert.ToHexStringLower(hash))) is { } doc ? ((ulong)doc["height"].AsInt64, doc["index"].AsInt32) : null;

    public void Dispose() => _database.Dispose();

    private void WriteState(StateChangeSet changes)
    {
        foreach (var change in changes.Changes)
            if (change.Encoded is null) _state.Delete(change.Key);
        _state.Upsert(changes.Changes.Where(c => c.Encoded is not null).Select(c => new BsonDocument { ["_id"] = c.Key, ["v"] = new BsonValue(c.Encoded) }));
    }

    private static BsonDocument HeadDocument(string chainId, byte[] genesisRoot, ulong height, byte[] lastHash, long lastTimeMs, byte[] stateRoot) => new()
    {
        ["_id"] = HeadId,
        ["chainId"] = chainId,
        ["genesisRoot"] = new BsonValue(genesisRoot),
        ["height"] = (long)height,
        ["lastHash"] = new BsonValue(lastHash),
        ["lastTimeMs"] = lastTimeMs,
        ["stateRoot"] = new BsonValue(stateRoot),
    };

    private static ChainException Corrupt(string message, Exception? inner = null) => new(new ChainError(ChainErrorCode.StoreMismatch, message), inner);
}
