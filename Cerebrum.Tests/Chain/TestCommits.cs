using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Chain;

/// <summary>Commits as consensus makes them: each signer's precommit signature for (height, round 0, block hash).</summary>
public static class TestCommits
{
    public static byte[] Create(ulong height, ReadOnlySpan<byte> blockHash, IEnumerable<PrivateKey> signers)
    {
        var hash = blockHash.ToArray();
        var signBytes = SignBytes.ForVote(ChainFixture.ChainId, VoteType.Precommit, (long)height, 0, hash);
        return new Commit((long)height, 0, hash, [.. signers.Select(s => new CommitSignature(s.PeerId, s.Sign(signBytes)))]).ToBytes();
    }
}
