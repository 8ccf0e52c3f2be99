using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain;

/// <summary>A finalized block as stored: decoded, its exact bytes, hash and the commit that finalized it.</summary>
public sealed record FinalizedBlock(Block Block, byte[] BlockBytes, byte[] Hash, byte[] Commit)
{
    public ulong Height => Block.Header.Height;
}
