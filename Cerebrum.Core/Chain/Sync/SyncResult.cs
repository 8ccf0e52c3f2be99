using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Sync;

/// <summary>Why one peer could not (or could no longer) serve the sync.</summary>
public sealed record SyncPeerFailure(PeerId Peer, string Reason, ChainError? ChainError = null);

/// <summary>What a sync run achieved: the heights before and after, and every peer that failed along the way.</summary>
public sealed record SyncResult(ulong StartHeight, ulong Height, ulong BestPeerHeight, IReadOnlyList<SyncPeerFailure> Failures)
{
    public ulong BlocksApplied => Height - StartHeight;

    /// <summary>Reached the highest height any answering peer claimed.</summary>
    public bool CaughtUp => Height >= BestPeerHeight;
}
