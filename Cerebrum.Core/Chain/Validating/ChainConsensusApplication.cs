using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Validating;

/// <summary>
/// Consensus over the ledger: values are blocks. Proposes a block from the mempool, validates proposals with
/// <see cref="ChainNode.ValidateProposal"/>, names a block by its header hash, and commits decided blocks.
/// Proposer priorities are derived from genesis over the chain's stored validator set of every height
/// (<c>set(h) = set(h-1).Next()</c>, plus <see cref="ValidatorSet.WithValidators"/> when membership or powers
/// changed), so every validator, including one that restarted or synced, computes the same proposer for (height, round).
/// </summary>
public sealed class ChainConsensusApplication : IConsensusApplication
{
    private readonly ChainNode _chain;
    private readonly PeerId _self;
    private readonly Lock _gate = new();
    private (long Height, ValidatorSet Set)? _cached;

    public ChainConsensusApplication(ChainNode chain, PeerId self)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(self);
        _chain = chain;
        _self = self;
    }

    /// <summary>Raised (on the consensus loop) after a block decided by consensus was committed by this call; not when it was already in the chain.</summary>
    public event EventHandler<FinalizedBlock>? BlockDecided;

    /// <summary>A block from the mempool stamped with the proposer's clock (PBTS), as consensus fed it.</summary>
    public byte[] ProposeValue(long height, int round, DateTimeOffset now) => _chain.CreateProposal(ToHeight(height), _self, now);

    /// <summary>PBTS: the block's time.</summary>
    /// <exception cref="FormatException">Not a block, or a time no block may carry (counted as untimely).</exception>
    public DateTimeOffset? GetValueTime(ReadOnlySpan<byte> value)
    {
        BlockHeader? header;
        try
        {
            header = Block.Parser.ParseFrom(value).Header;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new FormatException($"not a block: {e.Message}", e);
        }
        if (header is null || !BlockTime.IsInRange(header.TimeUnixMs))
            throw new FormatException($"block time {header?.TimeUnixMs} is not one a block may carry");
        return DateTimeOffset.FromUnixTimeMilliseconds(header.TimeUnixMs);
    }

    /// <summary>PBTS: the genesis file's precision and message delay.</summary>
    public SynchronyParams GetSynchrony(long height) => _chain.Params.Synchrony;

    public ValueVerdict ValidateValue(long height, ReadOnlySpan<byte> value)
    {
        var chainHeight = (long)_chain.Status.Height;
        // A height the chain already finalized (the blocks topic or sync was faster than this validator's consensus):
        // its committed block, which +2/3 precommitted, is the one valid value there.
        if (height >= 1 && height <= chainHeight)
            return _chain.GetBlock((ulong)height) is { } stored && BlockHashing.TryHashBlock(value, out var hash) && stored.Hash.AsSpan().SequenceEqual(hash)
                ? ValueVerdict.Valid : ValueVerdict.Invalid;
        if (height != chainHeight + 1) return ValueVerdict.Invalid;
        return _chain.ValidateProposal(value.ToArray()) is null ? ValueVerdict.Valid : ValueVerdict.Invalid;
    }

    public byte[] ComputeValueId(ReadOnlySpan<byte> value) => BlockHashing.TryHashBlock(value, out var hash) ? hash : [];

    /// <exception cref="InvalidOperationException">The chain does not know the validators of <paramref name="height"/> yet.</exception>
    public ValidatorSet GetValidators(long height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        lock (_gate)
        {
            // Replay forward from the nearest known height (genesis after a restart); each step is deterministic. The
            // chain stores each height's members and powers (priorities zero); the priorities are carried over here.
            var (from, set) = _cached is { } cached && cached.Height <= height ? cached : (0L, null!);
            for (var h = from + 1; h <= height; h++)
            {
                var stored = _chain.GetValidatorSet((ulong)h)
                    ?? throw new InvalidOperationException($"the validators of height {h} are not known yet (the chain is at height {_chain.Status.Height})");
                if (h == 1)
                    set = stored;
                else
                {
                    set = set.Next();
                    if (!stored.Hash.AsSpan().SequenceEqual(set.Hash))
                        set = set.WithValidators(stored.Validators);
                }
            }
            _cached = (height, set);
            return set;
        }
    }

    /// <summary>
    /// Commits the decided block. When the chain already has it (sync or the blocks topic was faster) this is a no-op;
    /// a different block at that height, or a refused commit, throws (consensus then stays at the height and the
    /// daemon recovers through sync).
    /// </summary>
    /// <exception cref="ChainException">The block could not be committed.</exception>
    public void OnDecided(long height, ReadOnlyMemory<byte> value, Commit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var blockBytes = value.ToArray();
        var chainHeight = _chain.Status.Height;
        if ((ulong)height <= chainHeight)
        {
            var stored = _chain.GetBlock((ulong)height);
            if (stored is not null && stored.Hash.AsSpan().SequenceEqual(ComputeValueId(blockBytes))) return;
            throw new ChainException(new ChainError(ChainErrorCode.WrongHeight,
                $"consensus decided a block at height {height} that differs from the stored one"));
        }
        var commitBytes = commit.ToBytes();
        if (_chain.Commit(blockBytes, commitBytes) is { } error)
        {
            // The chain may have moved to this height between the check and the commit.
            if (_chain.GetBlock((ulong)height) is { } raced && raced.Hash.AsSpan().SequenceEqual(ComputeValueId(blockBytes))) return;
            throw new ChainException(error);
        }
        var block = _chain.GetBlock((ulong)height);
        if (block is not null) BlockDecided?.Invoke(this, block);
    }

    private static ulong ToHeight(long height) =>
        height >= 1 ? (ulong)height : throw new ArgumentOutOfRangeException(nameof(height), height, "heights start at 1");
}
