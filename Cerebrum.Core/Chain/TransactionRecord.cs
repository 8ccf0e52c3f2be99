using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain;

/// <summary>A committed transaction and where it is.</summary>
public sealed record TransactionRecord(byte[] Encoded, Transaction Body, ulong Height, int Index);
