using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Proto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain;

[TestFixture]
public sealed class BlockValidationTests
{
    private ChainFixture _chain = null!;

    [SetUp]
    public void SetUp() => _chain = new ChainFixture(new ChainParams { UnbondingDelay = TimeSpan.FromMinutes(1), MinFee = 5, StakePerPower = 1_000, MinNodeStake = 5_000, MaxBlockTxs = 2 });

    [TearDown]
    public void TearDown() => _chain.Dispose();

    private ChainError? ValidateTampered(Action<Block> tamper)
    {
        var block = Block.Parser.ParseFrom(_chain.Propose());
        tamper(block);
        return _chain.Node.ValidateProposal(block.ToByteArray());
    }

    [Test]
    public void A_valid_proposal_validates_without_changing_committed_state()
    {
        _chain.Submit(Txs.Transfer(_chain.Alice, 0, _chain.Bob.PeerId, 3));
        var before = _chain.Node.Status;
        var proposal = _chain.Propose();
        Assert.That(_chain.Node.ValidateProposal(proposal), Is.Null);
        var after = _chain.Node.Status;
        Assert.Multiple(() =>
        {
            Assert.That(after.Height, Is.EqualTo(before.Height));
            Assert.That(after.StateRoot, Is.EqualTo(before.StateRoot));
            Assert.That(_chain.Node.GetAccount(_chain.Bob.PeerId).Balance, Is.EqualTo(ChainFixture.UserBalance));
            Assert.That(after.PendingTransactions, Is.EqualTo(1));
        });
    }

    [Test]
    public void Proposals_respect_the_block_transaction_limit()
    {
        for (ulong n = 0; n < 3; n++) _chain.Submit(Txs.Transfer(_chain.Alice, n, _chain.Bob.PeerId, 1));
        Assert.That(_chain.CommitNext().Block.Txs, Has.Count.EqualTo(2));
        Assert.That(_chain.Node.PendingTransactions, Is.EqualTo(1));
        _chain.Submit(Txs.Transfer(_chain.Bob, 0, _chain.Alice.PeerId, 1));
        Assert.That(ValidateTampered(b =>
        {
            b.Txs.Add(ByteString.CopyFrom(Txs.Transfer(_chain.Carol, 0, _chain.Alice.PeerId, 1)));
            b.Header.TxRoot = ByteString.CopyFrom(BlockHashing.TxRoot([.. b.Txs.Select(t => t.Memory)]));
        })?.Code, Is.EqualTo(ChainErrorCode.TooManyTransactions));
    }

    [Test]
    public void Header_fields_are_checked_each_with_its_own_error()
    {
        var header1 = _chain.Propose();
        Assert.Multiple(() =>
        {
            Assert.That(ValidateTampered(b => b.Header.Height = 2)?.Code, Is.EqualTo(ChainErrorCode.WrongHeight));
            Assert.That(ValidateTampered(b => b.Header.PreviousHash = ByteString.CopyFrom(new byte[32]))?.Code, Is.EqualTo(ChainErrorCode.WrongPreviousHash));
            Assert.That(ValidateTampered(b => b.Header.TimeUnixMs = ChainFixture.GenesisTime.ToUnixTimeMilliseconds())?.Code, Is.EqualTo(ChainErrorCode.TimeNotMonotonic));
            Assert.That(ValidateTampered(b => b.Header.Proposer = ByteString.CopyFrom(_chain.Alice.PeerId.Bytes.Span))?.Code, Is.EqualTo(ChainErrorCode.UnknownProposer));
            Assert.That(ValidateTampered(b => b.Header.ValidatorsHash = ByteString.CopyFrom(new byte[32]))?.Code, Is.EqualTo(ChainErrorCode.ValidatorsHashMismatch));
            Assert.That(ValidateTampered(b => b.Header.TxRoot = ByteString.CopyFrom(new byte[32]))?.Code, Is.EqualTo(ChainErrorCode.TxRootMismatch));
            Assert.That(ValidateTampered(b => b.Header.StateRoot = ByteString.CopyFrom(new byte[32]))?.Code, Is.EqualTo(ChainErrorCode.StateRootMismatch));
            Assert.That(ValidateTampered(b => b.Header.ChainId = "x")?.Code, Is.EqualTo(ChainErrorCode.MalformedBlock));
            Assert.That(ValidateTampered(b => b.LastCommit = ByteString.CopyFrom(1, 2))?.Message, Does.Contain("last_commit_hash"));
            Assert.That(ValidateTampered(b =>
            {
                b.LastCommit = ByteString.CopyFrom(1, 2);
                b.Header.LastCommitHash = ByteString.CopyFrom(BlockHashing.LastCommitHash(b.LastCommit.Span));
            })?.Message, Does.Contain("must not carry"));
            Assert.That(_chain.Node.ValidateProposal([0xFF, 0x01])?.Code, Is.EqualTo(ChainErrorCode.MalformedBlock));
        });
        Assert.That(_chain.Node.ValidateProposal(header1), Is.Null);
    }

    [Test]
    public void A_commit_without_more_than_two_thirds_of_the_power_is_refused()
    {
        var block = _chain.Propose();
        var tooFew = _chain.CommitFor(block, _chain.Validators.Take(2));
        var error = _chain.Node.Commit(block, tooFew);
        Assert.That(error?.Code, Is.EqualTo(ChainErrorCode.BadCommit));
        Assert.That(error!.Message, Does.Contain("NotEnoughPower"));
        var strangers = _chain.CommitFor(block, [.. _chain.Validators.Take(2), _chain.Alice]);
        Assert.That(_chain.Node.Commit(block, strangers)?.Code, Is.EqualTo(ChainErrorCode.BadCommit));
        var otherBlock = _chain.CommitFor(_chain.Propose(_chain.NextTime + TimeSpan.FromSeconds(5)));
        Assert.That(_chain.Node.Commit(block, otherBlock)?.Code, Is.EqualTo(ChainErrorCode.BadCommit), "a commit of another block");
        Assert.That(_chain.Node.Status.Height, Is.Zero);
        Assert.That(_chain.Node.Commit(block, _chain.CommitFor(block, _chain.Validators.Take(3))), Is.Null, "3 of 4 equal validators are enough");
    }

    [Test]
    public void The_last_commit_a_block_carries_must_finalize_the_previous_block()
    {
        _chain.CommitNext();
        Assert.That(ValidateTampered(_ => { }), Is.Null, "the proposal carries block 1's stored commit");
        var error = ValidateTampered(b =>
        {
            b.LastCommit = ByteString.CopyFrom(_chain.CommitFor(_chain.Node.GetBlock(1)!.BlockBytes, _chain.Validators.Take(1)));
            b.Header.LastCommitHash = ByteString.CopyFrom(BlockHashing.LastCommitHash(b.LastCommit.Span));
        });
        Assert.That(error?.Code, Is.EqualTo(ChainErrorCode.BadLastCommit));
        Assert.That(error!.Message, Does.Contain("NotEnoughPower"), "the verifier, not the hash check, refused it");
    }

    [Test]
    public void A_block_already_committed_is_refused_for_its_height()
    {
        var block = _chain.CommitNext();
        Assert.That(_chain.Node.Commit(block.BlockBytes, block.Commit)?.Code, Is.EqualTo(ChainErrorCode.WrongHeight));
        Assert.Throws<InvalidOperationException>(() => _chain.Node.CreateProposal(1, _chain.Validators[0].PeerId, _chain.NextTime));
    }

    [Test]
    public void BlockCommitted_is_raised_once_the_block_is_durable()
    {
        BlockCommittedEventArgs? seen = null;
        _chain.Node.BlockCommitted += (_, e) => seen = e;
        _chain.Submit(Txs.Stake(_chain.Alice, 0, 1));
        var block = _chain.CommitNext();
        Assert.That(seen, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(seen!.Block.Hash, Is.EqualTo(block.Hash));
            Assert.That(seen.Status.Height, Is.EqualTo(1));
            Assert.That(seen.Block.Block.Txs, Has.Count.EqualTo(1));
        });
    }
}
