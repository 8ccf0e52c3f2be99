using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;

namespace Cerebrum.Core.Chain.Blocks;

/// <summary>A block checked and executed against a head without touching committed state: its changes and the head after it.</summary>
public sealed record BlockExecution(Block Block, byte[] BlockBytes, byte[] Hash, StateChangeSet Changes, ChainHead NewHead, IReadOnlyList<byte[]> TxHashes);
