using Cerebrum.Core.Chain.Evidence;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Chain.Validators;
using Cerebrum.Core.Common;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Blocks;

/// <summary>
/// Builds, checks and executes blocks against a committed state and head, always in an overlay: a block is
/// begin-block (release due unbondings), its evidence (slash and jail, <see cref="EvidenceRules"/>), its transactions in
/// order, end-block (fees to the proposer); then the next validator set. None of it reads every account.
/// </summary>
public sealed class BlockExecutor
{
    private readonly string _chainId;
    private readonly ChainParams _params;
    private readonly CommitVerifier _commitVerifier;

    public BlockExecutor(string chainId, ChainParams parameters)
    {
        _chainId = chainId;
        _params = parameters;
        _commitVerifier = new CommitVerifier(chainId);
    }

    /// <summary>
    /// A block for height head+1 from <paramref name="candidates"/> (in the mempool's order), skipping any that fail
    /// now (and the same sender's later ones), within the block limits. Time is raised to the last block's + 1 ms if needed.
    /// </summary>
    /// <exception cref="InvalidOperationException">The time is beyond <see cref="BlockTime.MaxUnixMs"/>.</exception>
    /// <param name="evidence">Verified pending evidence, oldest first: what is still admissible goes in (up to the block's limit).</param>
    public BlockExecution CreateProposal(CommittedState state, ChainHead head, IChainHistory history, PeerId proposer, DateTimeOffset time, byte[] lastCommit,
        IEnumerable<VerifiedTransaction> candidates, IEnumerable<PendingEvidence.Entry>? evidence = null)
    {
        // PBTS: the proposer's clock; raised to just after the previous block when that is later (only a clock behind
        // the last proposer's by less than the precision should see it), never beyond what a block may carry.
        var timeMs = Math.Max(time.ToUnixTimeMilliseconds(), head.LastTimeUnixMs + 1);
        if (!BlockTime.IsInRange(timeMs))
            throw new InvalidOperationException($"cannot propose block {head.Height + 1} at {time:O}: block times end at {BlockTime.ToDateTimeOffset(BlockTime.MaxUnixMs):O}");
        var overlay = new StateOverlay(state);
        var context = new BlockContext(head.Height + 1, timeMs, proposer, _params);
        BeginBlock(state, overlay, context);
        var includedEvidence = new List<byte[]>();
        foreach (var entry in evidence ?? [])
        {
            if (includedEvidence.Count >= _params.MaxBlockEvidence) break;
            if (EvidenceRules.CheckAdmissible(entry.Evidence, overlay, history, context.Height, timeMs, _params, out var offenceTime) is not null) continue;
            EvidenceRules.Apply(entry.Evidence, overlay, context.Height, timeMs, offenceTime, _params);
            includedEvidence.Add(entry.Encoded);
        }
        var included = new List<VerifiedTransaction>();
        var failedSenders = new HashSet<PeerId>();
        var bytes = 0L;
        foreach (var tx in candidates)
        {
            if (included.Count >= _params.MaxBlockTxs) break;
            if (failedSenders.Contains(tx.Sender)) continue;
            if (bytes + tx.Size > _params.MaxBlockBytes)
            {
                failedSenders.Add(tx.Sender);
                continue;
            }
            if (TransactionExecutor.Apply(overlay, context, tx) is not null)
            {
                failedSenders.Add(tx.Sender);
                continue;
            }
            included.Add(tx);
            bytes += tx.Size;
        }
        EndBlock(overlay, context);
        var changes = overlay.ToChangeSet();
        var root = state.ComputeRoot(changes);
        var block = new Block
        {
            Header = new BlockHeader
            {
                ChainId = _chainId,
                Height = head.Height + 1,
                PreviousHash = ByteString.CopyFrom(head.LastHash),
                TimeUnixMs = timeMs,
                Proposer = ByteString.CopyFrom(proposer.Bytes.Span),
                TxRoot = ByteString.CopyFrom(BlockHashing.TxRoot([.. included.Select(t => (ReadOnlyMemory<byte>)t.Encoded)])),
                StateRoot = ByteString.CopyFrom(root),
                ValidatorsHash = ByteString.CopyFrom(head.NextValidators.Hash),
                LastCommitHash = ByteString.CopyFrom(BlockHashing.LastCommitHash(lastCommit)),
            },
            LastCommit = ByteString.CopyFrom(lastCommit),
        };
        block.Txs.AddRange(included.Select(t => ByteString.CopyFrom(t.Encoded)));
        block.Evidence.AddRange(includedEvidence.Select(ByteString.CopyFrom));
        block.Header.EvidenceHash = ByteString.CopyFrom(BlockHashing.EvidenceHash(block));
        var hash = BlockHashing.HeaderHash(block.Header);
        if (NextHead(state, head, block.Header, hash, root, overlay) is not { } next)
        {
            // Only evidence can jail the last validators: a block without it keeps the chain alive.
            if (includedEvidence.Count > 0) return CreateProposal(state, head, history, proposer, time, lastCommit, candidates, evidence: null);
            throw new InvalidOperationException($"block {context.Height} would leave no validator");
        }
        return new BlockExecution(block, block.ToByteArray(), hash, changes, next, [.. included.Select(t => t.Hash)]);
    }

    /// <summary>Checks block head+1 completely (header, last commit, every transaction in order, state root) and executes it.</summary>
    /// <param name="verified">
    /// Transactions this node verified before (its mempool's among them), found by hash and exact bytes to skip their
    /// signature checks; the others are checked and added.
    /// </param>
    public BlockExecution? Execute(CommittedState state, ChainHead head, IChainHistory history, byte[] blockBytes, VerifiedTransactionCache? verified, out ChainError? error)
    {
        // Only the canonical encoding: the block hash covers the header, and the header the rest, so the value bytes
        // consensus agrees on must have one form.
        if (!CanonicalProtobuf.TryParse(Block.Parser, blockBytes, out var parsed, out var malformed))
        {
            error = new ChainError(ChainErrorCode.MalformedBlock, $"not a valid Block: {malformed}");
            return null;
        }
        var block = parsed!;
        if ((error = CheckHeader(block, head)) is not null) return null;
        var header = block.Header;
        var proposer = PeerId.FromBytes(header.Proposer.Span);
        var overlay = new StateOverlay(state);
        var context = new BlockContext(header.Height, header.TimeUnixMs, proposer, _params);
        BeginBlock(state, overlay, context);
        for (var i = 0; i < block.Evidence.Count; i++)
        {
            if (ExecuteEvidence(block.Evidence[i].Span, overlay, history, context) is { } invalid)
            {
                error = new ChainError(invalid.Code, $"evidence {i}: {invalid.Message}");
                return null;
            }
        }
        var decoded = DecodeAll(block, verified);
        var hashes = new List<byte[]>(block.Txs.Count);
        for (var i = 0; i < decoded.Length; i++)
        {
            var (tx, decodeError) = decoded[i];
            if (decodeError is not null)
            {
                error = InBlock(i, decodeError);
                return null;
            }
            if (TransactionExecutor.Apply(overlay, context, tx!) is { } applyError)
            {
                error = InBlock(i, applyError);
                return null;
            }
            hashes.Add(tx!.Hash);
        }
        EndBlock(overlay, context);
        if (ValidatorSetCalculator.Next(state, overlay, _params) is not { } nextValidators)
        {
            error = new ChainError(ChainErrorCode.NoValidatorsLeft, $"block {header.Height} leaves no validator (every one jailed)");
            return null;
        }
        var changes = overlay.ToChangeSet();
        var root = state.ComputeRoot(changes);
        if (!header.StateRoot.Span.SequenceEqual(root))
        {
            error = new ChainError(ChainErrorCode.StateRootMismatch,
                $"block {header.Height} claims state root {Convert.ToHexStringLower(header.StateRoot.Span)}, execution gives {Convert.ToHexStringLower(root)}");
            return null;
        }
        var hash = BlockHashing.HeaderHash(header);
        var next = new ChainHead(_chainId, header.Height, hash, header.TimeUnixMs, root, nextValidators, head.NextValidators);
        error = null;
        return new BlockExecution(block, blockBytes, hash, changes, next, hashes);
    }

    private ChainError? ExecuteEvidence(ReadOnlySpan<byte> bytes, StateOverlay overlay, IChainHistory history, BlockContext context)
    {
        if (EvidenceRules.Decode(bytes, out var malformed) is not { } evidence) return malformed;
        if (EvidenceRules.Verify(evidence, _chainId, history, context.Height) is { } unverified) return unverified;
        if (EvidenceRules.CheckAdmissible(evidence, overlay, history, context.Height, context.TimeUnixMs, _params, out var offenceTime) is { } refused) return refused;
        EvidenceRules.Apply(evidence, overlay, context.Height, context.TimeUnixMs, offenceTime, _params);
        return null;
    }

    /// <summary>
    /// Every transaction decoded and its signature checked (unless <paramref name="verified"/> already holds its bytes),
    /// in parallel: signature checks are the bulk of a block's cost and independent of each other; execution stays sequential.
    /// </summary>
    private (VerifiedTransaction? Tx, ChainError? Error)[] DecodeAll(Block block, VerifiedTransactionCache? verified)
    {
        var decoded = new (VerifiedTransaction? Tx, ChainError? Error)[block.Txs.Count];
        Parallel.For(0, decoded.Length, i =>
        {
            TransactionCodec.TryDecode(block.Txs[i].ToByteArray(), _chainId, _params, verified, out var tx, out var error);
            decoded[i] = (tx, error);
        });
        return decoded;
    }

    /// <summary>Checks that <paramref name="commit"/> (consensus's <see cref="Commit"/> encoding) proves block <paramref name="hash"/> at <paramref name="height"/>.</summary>
    public ChainError? VerifyCommit(ReadOnlySpan<byte> commit, ulong height, byte[] hash, ValidatorSet validators, ChainErrorCode code)
    {
        if (height is 0 or > long.MaxValue) return new ChainError(code, $"commit for block {height} is invalid: height {height} is out of range");
        var result = _commitVerifier.Verify(commit, (long)height, hash, validators);
        return result.IsValid ? null : new ChainError(code, $"commit for block {height} is invalid: {result}");
    }

    private ChainError? CheckHeader(Block block, ChainHead head)
    {
        var header = block.Header;
        if (header is null) return new ChainError(ChainErrorCode.MalformedBlock, "block has no header");
        if (header.ChainId != _chainId) return new ChainError(ChainErrorCode.MalformedBlock, $"block is for chain '{header.ChainId}', this is '{_chainId}'");
        if (header.Height != head.Height + 1) return new ChainError(ChainErrorCode.WrongHeight, $"block height {header.Height}, expected {head.Height + 1}");
        if (!header.PreviousHash.Span.SequenceEqual(head.LastHash))
            return new ChainError(ChainErrorCode.WrongPreviousHash, $"block {header.Height} follows {Convert.ToHexStringLower(header.PreviousHash.Span)}, the chain's tip is {Convert.ToHexStringLower(head.LastHash)}");
        if (!BlockTime.IsInRange(header.TimeUnixMs))
            return new ChainError(ChainErrorCode.TimeOutOfRange, $"block time {header.TimeUnixMs} ms is outside 0 to {BlockTime.MaxUnixMs} ms (1970 to the year 3000)");
        if (header.TimeUnixMs <= head.LastTimeUnixMs)
            return new ChainError(ChainErrorCode.TimeNotMonotonic, $"block time {header.TimeUnixMs} is not after the previous {head.LastTimeUnixMs}");
        PeerId proposer;
        try
        {
            proposer = PeerId.FromBytes(header.Proposer.Span);
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
        {
            return new ChainError(ChainErrorCode.UnknownProposer, $"proposer is not a peer ID: {e.Message}");
        }
        if (head.NextValidators.Find(proposer) is null) return new ChainError(ChainErrorCode.UnknownProposer, $"proposer {proposer} is not a validator at height {header.Height}");
        if (!header.ValidatorsHash.Span.SequenceEqual(head.NextValidators.Hash))
            return new ChainError(ChainErrorCode.ValidatorsHashMismatch, $"block {header.Height} names another validator set");
        if (block.Evidence.Count > _params.MaxBlockEvidence)
            return new ChainError(ChainErrorCode.TooMuchEvidence, $"{block.Evidence.Count} pieces of evidence, the limit is {_params.MaxBlockEvidence}");
        if (!header.EvidenceHash.Span.SequenceEqual(BlockHashing.EvidenceHash(block)))
            return new ChainError(ChainErrorCode.MalformedBlock, $"block {header.Height}'s evidence hash does not match its evidence");
        if (block.Txs.Count > _params.MaxBlockTxs)
            return new ChainError(ChainErrorCode.TooManyTransactions, $"{block.Txs.Count} transactions, the limit is {_params.MaxBlockTxs}");
        var bytes = block.Txs.Sum(t => (long)t.Length);
        if (bytes > _params.MaxBlockBytes)
            return new ChainError(ChainErrorCode.BlockTooLarge, $"{bytes} bytes of transactions, the limit is {_params.MaxBlockBytes}");
        if (!header.TxRoot.Span.SequenceEqual(BlockHashing.TxRoot([.. block.Txs.Select(t => t.Memory)])))
            return new ChainError(ChainErrorCode.TxRootMismatch, $"block {header.Height}'s tx root does not match its transactions");
        if (!header.LastCommitHash.Span.SequenceEqual(BlockHashing.LastCommitHash(block.LastCommit.Span)))
            return new ChainError(ChainErrorCode.BadLastCommit, $"block {header.Height}'s last_commit does not match its last_commit_hash");
        if (header.Height == 1)
            return block.LastCommit.IsEmpty ? null : new ChainError(ChainErrorCode.BadLastCommit, "block 1 must not carry a last commit");
        return VerifyCommit(block.LastCommit.Span, head.Height, head.LastHash, head.LastValidators!, ChainErrorCode.BadLastCommit);
    }

    // Releases the unbonding entries due at the block's time, read in release order from the committed state's queue
    // (the overlay is still empty here): the work is the entries released, not every entry.
    private static void BeginBlock(CommittedState committed, StateOverlay state, BlockContext context)
    {
        var due = new List<string>();
        foreach (var key in committed.Unbondings.DueAt(context.TimeUnixMs))
        {
            committed.CountVisit();
            due.Add(key);
        }
        foreach (var key in due)
        {
            var id = StateKeys.PeerOf(key);
            var unbonding = state.GetUnbonding(id)!;
            var account = state.GetAccount(id);
            account.Balance += unbonding.Amount;
            state.SetAccount(id, account);
            state.SetUnbonding(id, null);
        }
    }

    private static void EndBlock(StateOverlay state, BlockContext context)
    {
        if (context.FeesCollected == 0 || context.Proposer is null) return;
        var proposer = state.GetAccount(context.Proposer);
        proposer.Balance += context.FeesCollected;
        state.SetAccount(context.Proposer, proposer);
    }

    private ChainHead? NextHead(CommittedState committed, ChainHead head, BlockHeader header, byte[] hash, byte[] root, StateOverlay stateAfter) =>
        ValidatorSetCalculator.Next(committed, stateAfter, _params) is { } next
            ? new(_chainId, header.Height, hash, header.TimeUnixMs, root, next, head.NextValidators)
            : null;

    private static ChainError InBlock(int index, ChainError error) =>
        new(ChainErrorCode.InvalidTransactionInBlock, $"transaction {index}: {error.Message}", error.Code, index);
}
