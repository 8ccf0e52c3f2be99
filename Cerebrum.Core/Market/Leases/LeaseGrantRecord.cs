using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Market.Leases;

/// <summary>A lease a node countersigned: whom for, whom the tenant delegates, and until when the grant may be used.</summary>
public sealed record LeaseGrantRecord(string LeaseId, PeerId Tenant, IReadOnlyList<PeerId> Delegates, DateTimeOffset Expires);
