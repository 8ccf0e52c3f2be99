using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Market.Leases;

/// <summary>A node's lease as the node enforces it: the lease, its tenant and delegates, and its end (block time).</summary>
public sealed record LeaseStatus(string LeaseId, PeerId Tenant, IReadOnlyList<PeerId> Delegates, DateTimeOffset Until)
{
    public bool Allows(PeerId requester) => requester == Tenant || Delegates.Contains(requester);
}
