using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Validating;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain.Validating;

/// <summary>The glue between consensus and the ledger: blocks as values, decisions committed, proposer priorities derived from genesis.</summary>
[TestFixture]
public sealed class ChainConsensusApplicationTests
{
    private ChainFixture _fixture = null!;
    private string _directory = null!;
    private ChainNode _chain = null!;

    [SetUp]
    public void SetUp()
    {
        _fixture = new ChainFixture();
        _directory = Path.Combine(Path.GetTempPath(), "cerebrum-app-" + Guid.NewGuid().ToString("N"));
        _chain = Open();
    }

    [TearDown]
    public void TearDown()
    {
        _chain.Dispose();
        _fixture.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public void ProposesValidatesNamesAndCommitsBlocks()
    {
        var app = new ChainConsensusApplication(_chain, _fixture.Validators[0].PeerId);
        _chain.SubmitTransaction(Txs.Transfer(_fixture.Alice, 0, _fixture.Bob.PeerId, 100, fee: 5));
        var decided = new List<FinalizedBlock>();
        app.BlockDecided += (_, block) => decided.Add(block);

        var block = app.ProposeValue(1, 0, DateTimeOffset.UtcNow);
        Assert.That(Block.Parser.ParseFrom(block).Txs, Has.Count.EqualTo(1), "the proposal carries the mempool");
        Assert.That(app.ValidateValue(1, block), Is.EqualTo(ValueVerdict.Valid));
        Assert.That(app.ValidateValue(2, block), Is.EqualTo(ValueVerdict.Invalid), "not the next height");
        Assert.That(app.ValidateValue(1, [1, 2, 3]), Is.EqualTo(ValueVerdict.Invalid));
        var id = app.ComputeValueId(block);
        Assert.That(id, Is.EqualTo(BlockHashing.HeaderHash(Block.Parser.ParseFrom(block).Header)));
        Assert.That(app.ComputeValueId([1, 2, 3]), Is.Empty);

        app.OnDecided(1, block, CommitOf(1, id, 0, 1, 2));
        Assert.That(_chain.Status.Height, Is.EqualTo(1UL));
        Assert.That(_chain.GetAccount(_fixture.Bob.PeerId).Balance, Is.EqualTo(ChainFixture.UserBalance + 100));
        Assert.That(decided.Select(b => b.Hash), Is.EqualTo(new[] { id }));

        // Already committed (sync or the blocks topic was first): nothing to do, no second announcement.
        Assert.DoesNotThrow(() => app.OnDecided(1, block, CommitOf(1, id, 1, 2, 3)));
        Assert.That(decided, Has.Count.EqualTo(1));

        // A different block at a committed height is a fork: refused loudly.
        var other = _chain.CreateProposal(2, _fixture.Validators[1].PeerId, DateTimeOffset.UtcNow);
        var otherHeader = Block.Parser.ParseFrom(other).Header;
        otherHeader.Height = 1;
        Assert.Throws<ChainException>(() => app.OnDecided(1, new Block { Header = otherHeader }.ToByteArray(), CommitOf(1, id, 0, 1, 2)));
    }

    [Test]
    public void AtAFinalizedHeight_OnlyTheCommittedBlockIsValid()
    {
        // The blocks topic or sync can finalize a height before this validator's consensus decides it; a peer's
        // decision for that height must then still be acceptable, and nothing else.
        var app = new ChainConsensusApplication(_chain, _fixture.Validators[0].PeerId);
        var block = app.ProposeValue(1, 0, DateTimeOffset.UtcNow);
        var other = _chain.CreateProposal(1, _fixture.Validators[1].PeerId, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.That(app.ValidateValue(1, other), Is.EqualTo(ValueVerdict.Valid), "before the commit, another proposal is valid too");
        app.OnDecided(1, block, CommitOf(1, app.ComputeValueId(block), 0, 1, 2));

        Assert.That(app.ValidateValue(1, block), Is.EqualTo(ValueVerdict.Valid));
        Assert.That(app.ValidateValue(1, other), Is.EqualTo(ValueVerdict.Invalid));
        Assert.That(app.ValidateValue(1, [1, 2, 3]), Is.EqualTo(ValueVerdict.Invalid));
        Assert.That(app.ValidateValue(0, block), Is.EqualTo(ValueVerdict.Invalid));
    }

    [Test]
    public void ACommitWithoutAQuorumIsRefused_AndNothingChanges()
    {
        var app = new ChainConsensusApplication(_chain, _fixture.Validators[0].PeerId);
        var block = app.ProposeValue(1, 0, DateTimeOffset.UtcNow);
        var error = Assert.Throws<ChainException>(() => app.OnDecided(1, block, CommitOf(1, app.ComputeValueId(block), 0, 1)));
        Assert.That(error!.Error.Code, Is.EqualTo(ChainErrorCode.BadCommit));
        Assert.That(_chain.Status.Height, Is.Zero);
    }

    [Test]
    public void ProposerPriorities_AreTheSameForAValidatorThatFollowedEveryHeight_AndOneThatRestarted()
    {
        var follower = new ChainConsensusApplication(_chain, _fixture.Validators[0].PeerId);
        var proposersByHeight = new List<PeerId>();
        for (var height = 1L; height <= 6; height++)
        {
            var validators = follower.GetValidators(height);
            proposersByHeight.Add(validators.GetProposer(0).PeerId);
            var block = _chain.CreateProposal((ulong)height, validators.GetProposer(0).PeerId, ChainFixture.GenesisTime.AddSeconds(height));
            follower.OnDecided(height, block, CommitOf((ulong)height, follower.ComputeValueId(block), 0, 1, 2));
        }
        var expected = follower.GetValidators(7);

        _chain.Dispose();
        _chain = Open();
        var restarted = new ChainConsensusApplication(_chain, _fixture.Validators[1].PeerId);
        var replayed = restarted.GetValidators(7);

        Assert.That(Enumerable.Range(0, 8).Select(r => replayed.GetProposer(r).PeerId), Is.EqualTo(Enumerable.Range(0, 8).Select(r => expected.GetProposer(r).PeerId)));
        Assert.That(proposersByHeight.Take(4).Distinct().Count(), Is.EqualTo(4), "equal powers: every validator proposes in turn");
        Assert.That(restarted.GetValidators(3).GetProposer(0).PeerId, Is.EqualTo(proposersByHeight[2]), "an earlier height is replayed from genesis");
        Assert.Throws<InvalidOperationException>(() => restarted.GetValidators(9), "height 9's validators are not known at height 6");
    }

    private ChainNode Open() => ChainNode.Open(new ChainNodeOptions { DataDirectory = _directory, Genesis = _fixture.Genesis });

    private Commit CommitOf(ulong height, byte[] blockHash, params int[] signers) =>
        new((long)height, 0, blockHash, [.. signers.Select(i => new CommitSignature(_fixture.Validators[i].PeerId,
            _fixture.Validators[i].Sign(SignBytes.ForVote(ChainFixture.ChainId, VoteType.Precommit, (long)height, 0, blockHash))))]);
}
