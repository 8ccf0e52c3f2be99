using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// Bytes of inference jobs in flight on a node, in all and per peer: a job holds its request's bytes from the moment its
/// length prefix is read, and its predicted output bytes from the moment it is checked, until its answer is written. A
/// job that does not fit is refused before it is read further or run, so no peer, and no crowd of peers, makes a node
/// hold more than the budget. Thread-safe.
/// </summary>
public sealed class InferByteBudget(InferBudgetOptions options)
{
    private readonly Dictionary<PeerId, long> _byPeer = [];
    private readonly Lock _lock = new();
    private long _total;

    public InferBudgetOptions Options { get; } = options;

    /// <summary>Bytes held by jobs in flight, all peers together.</summary>
    public long InFlight
    {
        get
        {
            lock (_lock) return _total;
        }
    }

    /// <summary>Bytes held by <paramref name="peer"/>'s jobs in flight.</summary>
    public long InFlightOf(PeerId peer)
    {
        lock (_lock) return _byPeer.GetValueOrDefault(peer);
    }

    /// <summary>Whether a job of <paramref name="bytes"/> could ever fit (it is not larger than the per-peer budget).</summary>
    public bool CanEverFit(long bytes) => bytes <= Options.MaxBytesPerPeer && bytes <= Options.MaxBytes;

    /// <summary>Takes <paramref name="bytes"/> for <paramref name="peer"/> (null: this process's own gateway, bounded by the node's total only) when both budgets have room.</summary>
    public bool TryReserve(PeerId? peer, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        lock (_lock)
        {
            if (bytes > Options.MaxBytes - _total) return false;
            if (peer is { } p)
            {
                var held = _byPeer.GetValueOrDefault(p);
                if (bytes > Options.MaxBytesPerPeer - held) return false;
                _byPeer[p] = held + bytes;
            }
            _total += bytes;
            return true;
        }
    }

    /// <summary>Gives back what <see cref="TryReserve"/> took.</summary>
    public void Release(PeerId? peer, long bytes)
    {
        lock (_lock)
        {
            _total -= bytes;
            if (peer is not { } p) return;
            var held = _byPeer.GetValueOrDefault(p) - bytes;
            if (held > 0) _byPeer[p] = held;
            else _byPeer.Remove(p);
        }
    }
}
