using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Evidence;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Mempool;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Chain.Store;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain;

/// <summary>
/// The Chain layer's entry type: owns the store, the mempool and the block executor. Consensus drives it through
/// <see cref="CreateProposal"/>, <see cref="ValidateProposal"/> and <see cref="Commit"/>; sync through
/// <see cref="Commit"/>; everyone else submits transactions and queries. Thread-safe (one lock; the
/// <see cref="BlockCommitted"/> event is raised outside it).
/// </summary>
public sealed class ChainNode : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ChainStore _store;
    private readonly TransactionPool _mempool;
    private readonly BlockExecutor _executor;
    private readonly VerifiedTransactionCache _verified;
    private readonly PendingEvidence _evidence = new(MaxPendingEvidence);
    private readonly RecentRejections _rejections = new();
    private (byte[] Digest, ulong Height, BlockExecution Execution)? _lastValidated;
    private bool _disposed;

    private ChainNode(ChainNodeOptions options, ChainStore store)
    {
        Genesis = options.Genesis;
        _store = store;
        _executor = new BlockExecutor(Genesis.ChainId, Genesis.Params);
        _mempool = new TransactionPool(options.Mempool, store.State, store.Head, Genesis.Params, (tx, error) => _rejections.Record(tx.HashHex, error));
        // Room for a full mempool plus the blocks that may arrive before, or while, their transactions are gossiped.
        _verified = new VerifiedTransactionCache((int)Math.Min(options.Mempool.MaxTransactions + 2L * Genesis.Params.MaxBlockTxs, 1_000_000));
    }

    /// <summary>Verified double-signing evidence held for blocks, at most (each at most <see cref="EvidenceRules.MaxEvidenceBytes"/>).</summary>
    public const int MaxPendingEvidence = 1024;

    /// <summary>Opens (or creates from genesis) <c>DIR/chain.db</c> and resumes from its last committed block.</summary>
    /// <param name="meterFactory">Publishes the node's <see cref="ChainMetrics"/>; null publishes none.</param>
    /// <exception cref="ChainException">Invalid genesis, or a store of another chain or corrupt.</exception>
    public static ChainNode Open(ChainNodeOptions options, IMeterFactory? meterFactory = null)
    {
        options.Genesis.Validate();
        options.Mempool.Validate();
        var node = new ChainNode(options, ChainStore.Open(options.DataDirectory, options.Genesis));
        ChainNodeInstruments.Register(meterFactory, node.StatusUnlessDisposed, node.GaugesUnlessDisposed);
        return node;
    }

    public GenesisDocument Genesis { get; }

    public string ChainId => Genesis.ChainId;

    public ChainParams Params => Genesis.Params;

    /// <summary>Raised after a block is durably committed, outside the node's lock.</summary>
    public event EventHandler<BlockCommittedEventArgs>? BlockCommitted;

    public ChainStatus Status
    {
        get
        {
            lock (_gate) return StatusLocked();
        }
    }

    internal ChainStore Store => _store;

    /// <summary>Checks a SignedTransaction and admits it to the mempool, or gives the precise rejection.</summary>
    public TransactionSubmission SubmitTransaction(byte[] encoded) => SubmitTransactions([encoded])[0];

    /// <summary>
    /// Checks several SignedTransactions (signatures, the costly part, in parallel and outside the lock) and admits them to the mempool in
    /// order, so a sender's later nonces follow its earlier ones; one answer per transaction, a bad one refusing only itself.
    /// </summary>
    public IReadOnlyList<TransactionSubmission> SubmitTransactions(IReadOnlyList<byte[]> encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var decoded = new (VerifiedTransaction? Tx, ChainError? Error)[encoded.Count];
        if (encoded.Count == 1)
            decoded[0] = Decode(encoded[0]);
        else
            Parallel.For(0, encoded.Count, i => decoded[i] = Decode(encoded[i]));
        var results = new TransactionSubmission[encoded.Count];
        lock (_gate)
        {
            for (var i = 0; i < decoded.Length; i++)
            {
                var (tx, error) = decoded[i];
                results[i] = tx is null ? new TransactionSubmission(null, error) : new TransactionSubmission(tx.Hash, _mempool.Add(tx));
                // Remembered so that its sender can learn why (a duplicate of a pending one is not a rejection of it).
                if (results[i].Error is { Code: not ChainErrorCode.DuplicateTransaction } refused)
                    _rejections.Record(tx?.HashHex ?? Convert.ToHexStringLower(TransactionCodec.Hash(encoded[i])), refused);
            }
        }
        return results;

        (VerifiedTransaction?, ChainError?) Decode(byte[] bytes) =>
            TransactionCodec.TryDecode(bytes, ChainId, Params, _verified, out var tx, out var error) ? (tx, null) : (null, error);
    }

    /// <summary>Whether <paramref name="encoded"/> would be admitted to the mempool now, without admitting or recording it.</summary>
    /// <returns>The transaction's hash, and the rejection it would get (null when it would be admitted).</returns>
    public (byte[] Hash, ChainError? Error) CheckTransaction(byte[] encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (!TransactionCodec.TryDecode(encoded, ChainId, Params, _verified, out var tx, out var error))
            return (TransactionCodec.Hash(encoded), error);
        lock (_gate) return (tx!.Hash, _mempool.Check(tx));
    }

    /// <summary>
    /// What this node knows of the transaction with hash <paramref name="hash"/>: included in a committed block, pending
    /// in the mempool, rejected by this node lately (see <see cref="RecentRejections"/>), or unknown.
    /// </summary>
    public TransactionStatus GetTransactionStatus(byte[] hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        lock (_gate)
        {
            if (_store.GetTransactionLocation(hash) is { } location)
                return new TransactionStatus(TransactionState.Included, location.Height, location.Index);
            if (_mempool.Contains(hash))
                return new TransactionStatus(TransactionState.Pending);
            return _rejections.Find(Convert.ToHexStringLower(hash)) is { } error
                ? new TransactionStatus(TransactionState.Rejected, Error: error)
                : new TransactionStatus(TransactionState.Unknown);
        }
    }

    /// <summary>
    /// Checks double-signing evidence (canonical encoding, a committed height not too old, both votes signed by a
    /// validator of that height, not already punished) and holds it for the next blocks; null when it was added.
    /// </summary>
    public ChainError? SubmitEvidence(byte[] encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (EvidenceRules.Decode(encoded, out var malformed) is not { } evidence) return malformed;
        lock (_gate)
        {
            var head = _store.Head;
            if (_evidence.Contains(evidence))
                return new ChainError(ChainErrorCode.DuplicateEvidence, $"{evidence} is already pending");
            if (EvidenceRules.CheckAdmissible(evidence, _store.State, _store, head.Height + 1, head.LastTimeUnixMs, Params, out _) is { } refused)
                return refused;
            // Signatures last (the costly part), and only for evidence that could still go into a block.
            if (EvidenceRules.Verify(evidence, ChainId, _store, head.Height + 1) is { } unverified) return unverified;
            return _evidence.Add(evidence, encoded)
                ? null
                : new ChainError(ChainErrorCode.TooMuchEvidence, $"{_evidence.Count} pieces of evidence are pending, the most this node holds");
        }
    }

    /// <summary>Evidence held for the next blocks.</summary>
    public int PendingEvidence
    {
        get
        {
            lock (_gate) return _evidence.Count;
        }
    }

    /// <summary>
    /// The validators of the next height (with their stake and slashing record) and the jailed ones, most power first.
    /// </summary>
    public IReadOnlyList<ValidatorInfo> GetValidators()
    {
        lock (_gate)
        {
            var state = _store.State;
            var set = _store.Head.NextValidators;
            var peers = set.Validators.Select(v => v.PeerId).Concat(state.Candidates.Jailed.OrderBy(p => p.ToString(), StringComparer.Ordinal)).Distinct();
            return [.. peers.Select(id =>
            {
                var account = state.GetAccount(id);
                var genesis = state.Get(StateKeys.GenesisValidator(id)) as GenesisValidatorState;
                return new ValidatorInfo(id, set.Find(id)?.Power ?? 0, genesis?.Power ?? 0, account.Stake, account.Jailed,
                    account.Jailed ? BlockTime.ToDateTimeOffset(account.JailReleaseUnixMs) : null, account.SlashedTotal, account.SlashedHeight);
            }).OrderByDescending(v => v.Power)];
        }
    }

    /// <summary>Where the money is after the last committed block (a scan of the state); its total is the genesis supply.</summary>
    public SupplyTotals Supply
    {
        get
        {
            lock (_gate) return State.Supply.Count(_store.State);
        }
    }

    /// <summary>The total supply the genesis file creates: its accounts' balances and stakes.</summary>
    public ulong GenesisSupply => Genesis.Accounts.Aggregate(0UL, (sum, a) => checked(sum + a.Balance + a.Stake));

    public AccountState GetAccount(PeerId id)
    {
        lock (_gate) return _store.State.GetAccount(id);
    }

    /// <summary>The nonce <paramref name="id"/>'s next new transaction needs: the account's nonce plus its pending transactions.</summary>
    public ulong GetNextNonce(PeerId id)
    {
        lock (_gate) return _store.State.GetAccount(id).Nonce + (ulong)_mempool.CountFrom(id);
    }

    public UnbondingState? GetUnbonding(PeerId id)
    {
        lock (_gate) return _store.State.GetUnbonding(id);
    }

    public NodeState? GetNode(PeerId id)
    {
        lock (_gate) return _store.State.GetNode(id);
    }

    /// <summary>Every registered node, ordered by peer ID text.</summary>
    public IReadOnlyList<(PeerId Id, NodeState Node)> ListNodes()
    {
        lock (_gate)
            return [.. _store.State.Enumerate(StateKeys.NodePrefix)
                .Select(e => (StateKeys.PeerOf(e.Key), ((NodeState)e.Value).Clone()))
                .OrderBy(e => e.Item1.ToString(), StringComparer.Ordinal)];
    }

    public ModelState? GetModel(string hash)
    {
        lock (_gate) return _store.State.GetModel(hash);
    }

    /// <summary>Every registered model, ordered by hash.</summary>
    public IReadOnlyList<ModelState> ListModels()
    {
        lock (_gate)
            return [.. _store.State.Enumerate(StateKeys.ModelPrefix)
                .Select(e => ((ModelState)e.Value).Clone())
                .OrderBy(m => m.Hash, StringComparer.Ordinal)];
    }

    public FinalizedBlock? GetBlock(ulong height)
    {
        lock (_gate)
        {
            if (_store.GetBlock(height) is not { } stored) return null;
            var block = Block.Parser.ParseFrom(stored.Block);
            return new FinalizedBlock(block, stored.Block, BlockHashing.HeaderHash(block.Header), stored.Commit);
        }
    }

    public FinalizedBlock? GetBlock(byte[] hash)
    {
        ulong? height;
        lock (_gate) height = _store.GetHeight(hash);
        return height is { } h ? GetBlock(h) : null;
    }

    public TransactionRecord? GetTransaction(byte[] hash)
    {
        lock (_gate)
        {
            if (_store.GetTransactionLocation(hash) is not { } location || _store.GetBlock(location.Height) is not { } stored) return null;
            var encoded = Block.Parser.ParseFrom(stored.Block).Txs[location.Index].ToByteArray();
            var body = Transaction.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(encoded).Transaction);
            return new TransactionRecord(encoded, body, location.Height, location.Index);
        }
    }

    public int PendingTransactions
    {
        get
        {
            lock (_gate) return _mempool.Count;
        }
    }

    /// <summary>The validators deciding <paramref name="height"/>: known for every committed height and the next one; null beyond.</summary>
    public ValidatorSet? GetValidatorSet(ulong height)
    {
        lock (_gate)
        {
            var head = _store.Head;
            if (height == head.Height + 1) return head.NextValidators;
            return height <= head.Height ? _store.GetValidators(height) : null;
        }
    }

    /// <summary>
    /// A proposal for <paramref name="height"/> (which must be the next one) from the mempool, carrying the stored
    /// commit of the previous block as its last_commit. Returns the Block encoding.
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="height"/> is not the next height, or the time is beyond <see cref="BlockTime.MaxUnixMs"/>.</exception>
    public byte[] CreateProposal(ulong height, PeerId proposer, DateTimeOffset time)
    {
        lock (_gate)
        {
            var head = _store.Head;
            if (height != head.Height + 1) throw new InvalidOperationException($"cannot propose height {height}: the next height is {head.Height + 1}");
            var lastCommit = head.Height == 0 ? [] : _store.GetBlock(head.Height)!.Value.Commit;
            var candidates = _mempool.Reap(Params.MaxBlockTxs, Params.MaxBlockBytes);
            var execution = _executor.CreateProposal(_store.State, head, _store, proposer, time, lastCommit, candidates, _evidence.All);
            _lastValidated = (SHA256.HashData(execution.BlockBytes), head.Height, execution);
            return execution.BlockBytes;
        }
    }

    /// <summary>Checks a proposed block for the next height completely, without changing committed state; null when valid.</summary>
    public ChainError? ValidateProposal(byte[] blockBytes)
    {
        lock (_gate) return ExecuteLocked(blockBytes, out _);
    }

    /// <summary>
    /// Applies a finalized block: its <paramref name="commit"/> must verify for the validator set of its height, and the
    /// block must be valid (state root included). Durable when it returns null; on an error nothing changed.
    /// </summary>
    public ChainError? Commit(byte[] blockBytes, byte[] commit)
    {
        BlockCommittedEventArgs committed;
        lock (_gate)
        {
            var head = _store.Head;
            if (PeekHeader(blockBytes) is not { } header)
                return new ChainError(ChainErrorCode.MalformedBlock, "not a valid Block with a header");
            if (header.Height != head.Height + 1)
                return new ChainError(ChainErrorCode.WrongHeight, $"block height {header.Height}, expected {head.Height + 1}");
            if (_executor.VerifyCommit(commit, header.Height, BlockHashing.HeaderHash(header), head.NextValidators, ChainErrorCode.BadCommit) is { } badCommit)
                return badCommit;
            if (ExecuteLocked(blockBytes, out var execution) is { } invalid) return invalid;
            _store.Commit(execution!, commit);
            _lastValidated = null;
            _mempool.Update(_store.State, _store.Head, Params, execution!.TxHashes);
            PruneEvidenceLocked();
            committed = new BlockCommittedEventArgs(new FinalizedBlock(execution.Block, blockBytes, execution.Hash, commit), StatusLocked());
        }
        BlockCommitted?.Invoke(this, committed);
        return null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
        }
        _store.Dispose();
    }

    private ChainError? ExecuteLocked(byte[] blockBytes, out BlockExecution? execution)
    {
        var digest = SHA256.HashData(blockBytes);
        if (_lastValidated is { } cached && cached.Height == _store.Head.Height && cached.Digest.AsSpan().SequenceEqual(digest))
        {
            execution = cached.Execution;
            return null;
        }
        execution = _executor.Execute(_store.State, _store.Head, _store, blockBytes, _verified, out var error);
        if (execution is not null) _lastValidated = (digest, _store.Head.Height, execution);
        return error;
    }

    // After a block: what it carried (now punished) and what has grown too old leave the pool; no signature is checked again.
    private void PruneEvidenceLocked()
    {
        var head = _store.Head;
        _evidence.RemoveWhere(entry =>
            EvidenceRules.CheckAdmissible(entry.Evidence, _store.State, _store, head.Height + 1, head.LastTimeUnixMs, Params, out _) is not null);
    }

    /// <summary>For the instruments, which may be observed after the node is closed but its meter lives on.</summary>
    private ChainStatus? StatusUnlessDisposed()
    {
        lock (_gate) return _disposed ? null : StatusLocked();
    }

    private ChainGauges? GaugesUnlessDisposed()
    {
        lock (_gate)
        {
            if (_disposed) return null;
            var state = _store.State;
            return new ChainGauges(_evidence.Count, state.Candidates.Jailed.Count, state.GetBurned(), state.EntriesVisited);
        }
    }

    private ChainStatus StatusLocked()
    {
        var head = _store.Head;
        return new ChainStatus(ChainId, head.Height, head.LastHash, BlockTime.ToDateTimeOffset(head.LastTimeUnixMs), head.StateRoot, _mempool.Count);
    }

    private static BlockHeader? PeekHeader(byte[] blockBytes)
    {
        try
        {
            return Block.Parser.ParseFrom(blockBytes).Header;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
