namespace Cerebrum.Core.Chain;

/// <summary>What a supply-auditing <see cref="ChainNode"/> found: blocks recounted, and the first whose total differed from genesis.</summary>
public sealed record SupplyAuditReport(ulong BlocksAudited, ulong? FirstMismatchHeight, ulong? MismatchTotal);
