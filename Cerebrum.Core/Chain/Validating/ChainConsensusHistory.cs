using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Consensus;

namespace Cerebrum.Core.Chain.Validating;

/// <summary>
/// The chain's decided heights as consensus's message filter sees them: the next height is the chain's tip + 1, each
/// height's validators are the stored set that decided it (the tip's next set for the next height), and a value's id
/// is its block hash. The sets of the last few heights are cached: messages of recent heights are checked often.
/// </summary>
public sealed class ChainConsensusHistory(ChainNode chain) : IConsensusHistory
{
    private const int CachedSets = 16;

    private readonly ChainNode _chain = chain ?? throw new ArgumentNullException(nameof(chain));
    private readonly Lock _gate = new();
    private readonly Dictionary<long, ValidatorSet> _sets = [];

    public long NextHeight => (long)_chain.Status.Height + 1;

    public ValidatorSet? GetValidators(long height)
    {
        if (height < 1) return null;
        var next = NextHeight;
        if (height > next) return null;
        if (height == next) return _chain.GetValidatorSet((ulong)height);
        lock (_gate)
        {
            if (_sets.TryGetValue(height, out var cached)) return cached;
        }
        // A committed height's set never changes: cache it.
        if (_chain.GetValidatorSet((ulong)height) is not { } stored) return null;
        lock (_gate)
        {
            if (_sets.Count >= CachedSets)
                _sets.Remove(_sets.Keys.Min());
            _sets[height] = stored;
        }
        return stored;
    }

    public byte[] ComputeValueId(ReadOnlySpan<byte> value) => BlockHashing.TryHashBlock(value, out var hash) ? hash : [];
}
