namespace Cerebrum.Core.Chain;

/// <summary>The committed tip as seen from outside.</summary>
public sealed record ChainStatus(string ChainId, ulong Height, byte[] LastHash, DateTimeOffset LastTime, byte[] StateRoot, int PendingTransactions);
