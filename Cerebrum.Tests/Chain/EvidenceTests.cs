using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain;

/// <summary>
/// Issue 21: double-signing evidence on the ledger. Valid evidence slashes a share of the validator's stake (burned),
/// jails it and removes it from the next height's set; the same offence counts once; forged, stale, duplicate and
/// malformed evidence is refused at no cost; the supply invariant holds across the slash; Unjail after the jail time.
/// </summary>
[TestFixture]
public sealed class EvidenceTests
{
    private const ulong Stake = 10_000_000;
    private static readonly ChainParams Parameters = new()
    {
        UnbondingDelay = TimeSpan.FromMinutes(10), MinFee = 5, StakePerPower = 1_000, MinNodeStake = 5_000,
        SlashFractionBasisPoints = 500, JailDuration = TimeSpan.FromMinutes(30), MaxEvidenceAgeBlocks = 5, MaxEvidenceAge = TimeSpan.FromMinutes(2),
        MaxBlockEvidence = 2,
    };

    private ChainFixture _chain = null!;

    [SetUp]
    public void SetUp()
    {
        _chain = new ChainFixture(Parameters, validatorStake: Stake);
        for (var i = 0; i < 3; i++) _chain.CommitNext();
    }

    [TearDown]
    public void TearDown() => _chain.Dispose();

    private PrivateKey Offender => _chain.Validators[2];

    [Test]
    public void ValidEvidence_SlashesBurnsJails_AndTheValidatorLeavesTheNextSet()
    {
        var offender = Offender.PeerId;
        Assert.That(_chain.Node.GetValidatorSet(4)!.Find(offender)?.Power, Is.EqualTo(10 + (long)(Stake / 1_000)));

        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(Offender, height: 2)), Is.Null);
        Assert.That(_chain.Node.PendingEvidence, Is.EqualTo(1));
        var block = _chain.CommitNext();

        Assert.That(block.Block.Evidence, Has.Count.EqualTo(1), "the proposer included it");
        var account = _chain.Node.GetAccount(offender);
        var slashed = Stake * 500 / 10_000;
        Assert.Multiple(() =>
        {
            Assert.That(account.Stake, Is.EqualTo(Stake - slashed));
            Assert.That(account.SlashedTotal, Is.EqualTo(slashed));
            Assert.That(account.SlashedHeight, Is.EqualTo(4UL));
            Assert.That(account.Jailed, Is.True);
            Assert.That(account.JailReleaseUnixMs, Is.EqualTo(block.Block.Header.TimeUnixMs + (long)Parameters.JailDuration.TotalMilliseconds));
            Assert.That(_chain.Node.Supply.Burned, Is.EqualTo(slashed), "burned, so the supply still adds up");
            Assert.That(_chain.Node.GetValidatorSet(5)!.Find(offender), Is.Null, "out of the set from the next height");
            Assert.That(_chain.Node.GetValidatorSet(4)!.Find(offender), Is.Not.Null, "the height that executed it was decided with it");
            Assert.That(_chain.Node.PendingEvidence, Is.Zero, "committed evidence leaves the pool");
        });
        var info = _chain.Node.GetValidators().Single(v => v.PeerId == offender);
        Assert.That((info.Power, info.Jailed, info.SlashedTotal), Is.EqualTo((0L, true, slashed)));

        // Blocks go on without it (three of four genesis validators sign).
        _chain.CommitNext();
        Assert.That(_chain.Node.Status.Height, Is.EqualTo(5UL));
    }

    [Test]
    public void TheSameOffenceCountsOnce()
    {
        _chain.Node.SubmitEvidence(DoubleVote(Offender, height: 2));
        _chain.CommitNext();
        var stakeAfter = _chain.Node.GetAccount(Offender.PeerId).Stake;

        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(Offender, height: 2))?.Code, Is.EqualTo(ChainErrorCode.EvidenceAlreadyPunished));
        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(Offender, height: 2, type: VoteType.Precommit, round: 3))?.Code, Is.EqualTo(ChainErrorCode.EvidenceAlreadyPunished),
            "another round of the same offence");
        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(Offender, height: 3))?.Code, Is.EqualTo(ChainErrorCode.EvidenceAlreadyPunished),
            "another height before it was slashed: the same episode");
        // Put in a block by a proposer all the same, it makes the block invalid.
        var block = WithEvidence(_chain.Propose(), DoubleVote(Offender, height: 3));
        Assert.That(_chain.Node.ValidateProposal(block)?.Code, Is.EqualTo(ChainErrorCode.EvidenceAlreadyPunished));
        Assert.That(_chain.Node.GetAccount(Offender.PeerId).Stake, Is.EqualTo(stakeAfter));
    }

    [Test]
    public void ForgedStaleDuplicateAndMalformedEvidence_IsRefusedAtNoCost()
    {
        var rootBefore = _chain.Node.Status.StateRoot;
        using var stranger = PrivateKey.Generate(KeyType.Secp256k1);
        var genuine = DoubleVote(Offender, height: 2);
        var proto = Core.Consensus.Proto.DuplicateVoteEvidence.Parser.ParseFrom(genuine);
        var forged = proto.Clone();
        forged.VoteB.ValueId = ByteString.CopyFrom(Enumerable.Repeat((byte)3, 32).ToArray()); // signed for another value
        var swapped = new Core.Consensus.Proto.DuplicateVoteEvidence { VoteA = proto.VoteB, VoteB = proto.VoteA };

        Assert.Multiple(() =>
        {
            Assert.That(_chain.Node.SubmitEvidence(Forged(forged))?.Code, Is.EqualTo(ChainErrorCode.InvalidEvidence), "a vote changed after signing");
            Assert.That(_chain.Node.SubmitEvidence(DoubleVote(stranger, height: 2))?.Code, Is.EqualTo(ChainErrorCode.InvalidEvidence), "not a validator");
            Assert.That(_chain.Node.SubmitEvidence(SameValueTwice(Offender, 2))?.Code, Is.EqualTo(ChainErrorCode.InvalidEvidence), "not conflicting");
            Assert.That(_chain.Node.SubmitEvidence([1, 2, 3])?.Code, Is.EqualTo(ChainErrorCode.InvalidEvidence), "malformed");
            Assert.That(_chain.Node.SubmitEvidence(swapped.ToByteArray())?.Code, Is.EqualTo(ChainErrorCode.InvalidEvidence), "not the canonical order");
            Assert.That(_chain.Node.SubmitEvidence([.. genuine, (15 << 3) | 0, 1])?.Code, Is.EqualTo(ChainErrorCode.InvalidEvidence), "an unknown field");
            Assert.That(_chain.Node.SubmitEvidence(new byte[4096])?.Code, Is.EqualTo(ChainErrorCode.InvalidEvidence), "oversized");
            Assert.That(_chain.Node.SubmitEvidence(DoubleVote(Offender, height: 9))?.Code, Is.EqualTo(ChainErrorCode.EvidenceOfUnknownHeight));
        });
        Assert.That(_chain.Node.SubmitEvidence(genuine), Is.Null);
        Assert.That(_chain.Node.SubmitEvidence(genuine)?.Code, Is.EqualTo(ChainErrorCode.DuplicateEvidence));
        Assert.That(_chain.Node.PendingEvidence, Is.EqualTo(1));
        Assert.That(_chain.Node.Status.StateRoot, Is.EqualTo(rootBefore), "nothing refused changed the state, and no one paid for it");

        // Stale: older than both 5 blocks and 2 minutes of block time.
        for (var i = 0; i < 6; i++) _chain.CommitNext(_chain.Node.Status.LastTime + TimeSpan.FromMinutes(1));
        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(_chain.Validators[1], height: 1))?.Code, Is.EqualTo(ChainErrorCode.EvidenceTooOld));
        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(_chain.Validators[1], height: 5)), Is.Null, "five blocks old (not more): kept");
    }

    [Test]
    public void BlocksCarryingBadEvidence_AreInvalid()
    {
        using var stranger = PrivateKey.Generate(KeyType.Secp256k1);
        var proposal = _chain.Propose();
        Assert.That(_chain.Node.ValidateProposal(WithEvidence(proposal, DoubleVote(stranger, height: 2)))?.Code, Is.EqualTo(ChainErrorCode.InvalidEvidence));
        Assert.That(_chain.Node.ValidateProposal(WithEvidence(proposal, [9, 9, 9]))?.Code, Is.EqualTo(ChainErrorCode.InvalidEvidence));
        var twice = DoubleVote(Offender, height: 2);
        Assert.That(_chain.Node.ValidateProposal(WithEvidence(proposal, twice, twice))?.Code, Is.EqualTo(ChainErrorCode.EvidenceAlreadyPunished), "one offence, once");
        Assert.That(_chain.Node.ValidateProposal(WithEvidence(proposal, DoubleVote(_chain.Validators[0], 1), DoubleVote(_chain.Validators[1], 1), DoubleVote(Offender, 1)))?.Code,
            Is.EqualTo(ChainErrorCode.TooMuchEvidence));
        var lying = Block.Parser.ParseFrom(WithEvidence(proposal, DoubleVote(Offender, 2)));
        lying.Header.EvidenceHash = ByteString.Empty;
        Assert.That(_chain.Node.ValidateProposal(lying.ToByteArray())?.Code, Is.EqualTo(ChainErrorCode.MalformedBlock), "the header must commit to its evidence");
        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(Offender, height: 2)), Is.Null);
        Assert.That(_chain.Node.ValidateProposal(_chain.Propose()), Is.Null, "the node's own proposal with it is valid");
    }

    [Test]
    public void UnbondingBegunAfterTheOffence_IsSlashedToo_AndTheSupplyHolds()
    {
        var offender = Offender;
        _chain.Submit(Txs.Unstake(offender, 0, 4_000_000));
        _chain.CommitNext();
        var unbonding = _chain.Node.GetUnbonding(offender.PeerId)!.Amount;
        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(offender, height: 2)), Is.Null);
        _chain.CommitNext();

        Assert.That(_chain.Node.GetUnbonding(offender.PeerId)!.Amount, Is.EqualTo(unbonding - unbonding * 500 / 10_000));
        Assert.That(_chain.Node.GetAccount(offender.PeerId).SlashedTotal, Is.EqualTo((Stake - 4_000_000) * 500 / 10_000 + unbonding * 500 / 10_000));
        _chain.AssertSupply();
    }

    [Test]
    public void AJailedValidator_UnjailsOnlyAfterItsJailTime_AndThenRejoins()
    {
        var offender = Offender;
        _chain.Node.SubmitEvidence(DoubleVote(offender, height: 2));
        _chain.CommitNext();
        var release = BlockTime.ToDateTimeOffset(_chain.Node.GetAccount(offender.PeerId).JailReleaseUnixMs);

        _chain.Refused(Txs.Sign(offender, 0, t => t.Unjail = new Unjail()), ChainErrorCode.JailNotOver);
        _chain.Refused(Txs.Sign(_chain.Validators[0], 0, t => t.Unjail = new Unjail()), ChainErrorCode.NotJailed);
        _chain.CommitNext(release);
        _chain.Submit(Txs.Sign(offender, 0, t => t.Unjail = new Unjail()));
        _chain.CommitNext();

        var account = _chain.Node.GetAccount(offender.PeerId);
        Assert.That(account.Jailed, Is.False);
        Assert.That(account.SlashedTotal, Is.GreaterThan(0UL), "the record stays");
        var set = _chain.Node.GetValidatorSet(_chain.Node.Status.Height + 1)!;
        Assert.That(set.Find(offender.PeerId)?.Power, Is.EqualTo(10 + (long)(account.Stake / 1_000)), "back in the set with its remaining stake");

        // A new offence after the unjail (back in the set) is a new episode.
        _chain.CommitNext();
        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(offender, height: (long)_chain.Node.Status.Height)), Is.Null);
    }

    [Test]
    public void EvidenceNeverJailsTheLastValidator_TheBlockGoesOnWithoutIt()
    {
        foreach (var validator in _chain.Validators.Take(3))
            Assert.That(_chain.Node.SubmitEvidence(DoubleVote(validator, height: 1)), Is.Null);
        _chain.CommitNext();
        _chain.CommitNext();
        var last = _chain.Validators[3];
        Assert.That(_chain.Node.GetValidatorSet(_chain.Node.Status.Height + 1)!.Validators.Select(v => v.PeerId), Is.EqualTo(new[] { last.PeerId }));

        Assert.That(_chain.Node.SubmitEvidence(DoubleVote(last, height: 1)), Is.Null);
        var block = _chain.CommitNext();
        Assert.That(block.Block.Evidence, Is.Empty, "jailing it would leave no validator: the block goes without it");
        Assert.That(_chain.Node.GetAccount(last.PeerId).Jailed, Is.False);
        var withIt = WithEvidence(_chain.Propose(proposer: 3), DoubleVote(last, height: 1));
        Assert.That(_chain.Node.ValidateProposal(withIt)?.Code, Is.EqualTo(ChainErrorCode.NoValidatorsLeft));
    }

    private static byte[] WithEvidence(byte[] blockBytes, params byte[][] evidence)
    {
        var block = Block.Parser.ParseFrom(blockBytes);
        block.Evidence.Clear();
        block.Evidence.AddRange(evidence.Select(ByteString.CopyFrom));
        block.Header.EvidenceHash = ByteString.CopyFrom(BlockHashing.EvidenceHash(block));
        return block.ToByteArray();
    }

    private static byte[] DoubleVote(PrivateKey validator, long height, VoteType type = VoteType.Prevote, int round = 0)
    {
        var a = SignedVote.Sign(validator, ChainFixture.ChainId, type, height, round, Enumerable.Repeat((byte)1, 32).ToArray());
        var b = SignedVote.Sign(validator, ChainFixture.ChainId, type, height, round, Enumerable.Repeat((byte)2, 32).ToArray());
        return new DuplicateVoteEvidence(a, b).ToBytes();
    }

    private static byte[] SameValueTwice(PrivateKey validator, long height)
    {
        var vote = SignedVote.Sign(validator, ChainFixture.ChainId, VoteType.Prevote, height, 0, new byte[32]);
        var proto = new Core.Consensus.Proto.DuplicateVoteEvidence
        {
            VoteA = vote.ToProto(),
            VoteB = vote.ToProto(),
        };
        return proto.ToByteArray();
    }

    private static byte[] Forged(Core.Consensus.Proto.DuplicateVoteEvidence evidence) => evidence.ToByteArray();
}
