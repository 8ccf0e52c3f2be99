using System.Security.Cryptography;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cerebrum.Tests.Consensus;

/// <summary>
/// The one check of received consensus messages (issue 13 item 2): what it cannot verify it ignores, and it passes on
/// only what it verified, whatever the height, with or without a driver running.
/// </summary>
[TestFixture]
public class ConsensusMessageFilterTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly PrivateKey[] Keys = TestValidators.Secp256k1Keys(4);
    private static readonly ValidatorSchedule Schedule = new(TestValidators.SetOf(Keys));

    [Test]
    public void WithNeitherAHistoryNorADriver_NothingCanBeVerified_SoNothingIsValid()
    {
        var filter = new ConsensusMessageFilter(TestValidators.ChainId, TestValidators.FastOptions);
        using var outsider = Secp256k1PrivateKey.Generate();
        Assert.Multiple(() =>
        {
            Assert.That(filter.Check(Vote(outsider, 1)), Is.EqualTo(MessageVerdict.Irrelevant));
            Assert.That(filter.Check(Vote(Keys[1], 1)), Is.EqualTo(MessageVerdict.Irrelevant));
            Assert.That(filter.Check([0xff, 0x00, 0x13], out var decoded), Is.EqualTo(MessageVerdict.Invalid));
            Assert.That(decoded, Is.Null);
        });
    }

    [Test]
    public void AFollower_VerifiesEveryHeightItKnowsTheValidatorsOf_AndIgnoresTheRest()
    {
        // A daemon following the chain at height 4 (next height 5), no driver: the probe of issue 13 item 2.
        var filter = new ConsensusMessageFilter(TestValidators.ChainId, TestValidators.FastOptions, new TestHistory(nextHeight: 5));
        using var outsider = Secp256k1PrivateKey.Generate();
        var proposal = Proposal(5, 0, "h5 block"u8.ToArray());
        var movedSignature = new SignedProposal(5, 0, -1, "another block"u8, proposal.ValueId.Span, proposal.Proposer, proposal.Signature.Span);
        var garbageDecision = new Decision(new byte[900 * 1024], new Commit(3, 0, SHA256.HashData(new byte[900 * 1024]),
            [.. Keys.Take(3).Select(k => new CommitSignature(k.PeerId, RandomNumberGenerator.GetBytes(70)))]));

        Assert.Multiple(() =>
        {
            // The next height: its validators only, by their keys.
            Assert.That(filter.Check(Vote(Keys[1], 5)), Is.EqualTo(MessageVerdict.Valid));
            Assert.That(filter.Check(Vote(outsider, 5)), Is.EqualTo(MessageVerdict.Invalid), "a non-validator's vote");
            Assert.That(filter.Check(Encode(SignedProposal.Sign(outsider, TestValidators.ChainId, 5, 0, -1, "x"u8, SHA256.HashData("x"u8)))),
                Is.EqualTo(MessageVerdict.Invalid), "a non-validator's proposal");
            Assert.That(filter.Check(Encode(proposal)), Is.EqualTo(MessageVerdict.Valid));
            Assert.That(filter.Check(Encode(movedSignature)), Is.EqualTo(MessageVerdict.Invalid), "a signature moved onto other value bytes");
            Assert.That(filter.Check(Forged(5)), Is.EqualTo(MessageVerdict.Invalid));

            // Decided heights: checked against the set that decided them.
            Assert.That(filter.Check(Encode(DecisionOf(3, "h3 block"u8.ToArray()))), Is.EqualTo(MessageVerdict.Valid));
            Assert.That(filter.Check(Encode(garbageDecision)), Is.EqualTo(MessageVerdict.Invalid), "900 KiB with a garbage commit");
            var decided = DecisionOf(3, "h3 block"u8.ToArray());
            Assert.That(filter.Check(Encode(new Decision("swapped value"u8, decided.Commit))), Is.EqualTo(MessageVerdict.Invalid),
                "a real commit moved onto other value bytes");
            Assert.That(filter.Check(Vote(outsider, 3)), Is.EqualTo(MessageVerdict.Invalid));

            // Later heights: unverifiable decisions and strangers are ignored, known validators heard.
            Assert.That(filter.Check(Encode(DecisionOf(6, "h6 block"u8.ToArray()))), Is.EqualTo(MessageVerdict.Irrelevant),
                "a later height's commit cannot be verified");
            Assert.That(filter.Check(Encode(garbageDecision.WithHeight(6))), Is.EqualTo(MessageVerdict.Irrelevant));
            Assert.That(filter.Check(Vote(Keys[2], 6)), Is.EqualTo(MessageVerdict.Valid));
            Assert.That(filter.Check(Vote(outsider, 6)), Is.EqualTo(MessageVerdict.Irrelevant), "an unknown signer at a later height");
            Assert.That(filter.Check(Forged(6)), Is.EqualTo(MessageVerdict.Invalid));

            // Far away in either direction.
            Assert.That(filter.Check(Vote(Keys[1], 5 + TestValidators.FastOptions.MaxHeightsAhead + 1)), Is.EqualTo(MessageVerdict.Irrelevant));
            Assert.That(filter.Check(Vote(Keys[1], 100)), Is.EqualTo(MessageVerdict.Irrelevant));
        });

        var stale = new ConsensusMessageFilter(TestValidators.ChainId, TestValidators.FastOptions, new TestHistory(nextHeight: 20));
        Assert.That(stale.Check(Vote(Keys[1], 2)), Is.EqualTo(MessageVerdict.Irrelevant), "more than 8 heights behind");
    }

    [Test]
    public void ReWrappedCopiesOfAValidMessage_AreInvalid()
    {
        var filter = new ConsensusMessageFilter(TestValidators.ChainId, TestValidators.FastOptions, new TestHistory(nextHeight: 5));
        var vote = Vote(Keys[1], 5);
        Assert.That(filter.Check(vote), Is.EqualTo(MessageVerdict.Valid));
        for (var nonce = 1; nonce <= 50; nonce++)
            Assert.That(filter.Check([.. vote, 15 << 3, (byte)nonce]), Is.EqualTo(MessageVerdict.Invalid), $"nonce {nonce}");
    }

    [Test]
    public async Task WithADriver_ItsHeightIsCheckedAgainstItsSet_ProposalsByTheRoundsProposerOnly()
    {
        var filter = new ConsensusMessageFilter(TestValidators.ChainId, TestValidators.FastOptions, new TestHistory(nextHeight: 1));
        var network = new InMemoryConsensusNetwork();
        var driver = new ConsensusDriver(TestValidators.FastOptions, TestValidators.ChainId, Keys[0], new TestApplication("driver0", Schedule),
            network.Join(), new FakeTimeProvider(DateTimeOffset.UnixEpoch), NullLogger.Instance, filter);
        using var outsider = Secp256k1PrivateKey.Generate();
        await using (driver)
        {
            driver.Start(1, Schedule.At(1));
            Assert.That(SpinWait.SpinUntil(() => driver.Height == 1, Bound), Is.True, "driver started");
            var proposer = Schedule.At(1).GetProposer(0).PeerId;
            var notTheProposer = Keys.First(k => k.PeerId != proposer);
            Assert.Multiple(() =>
            {
                Assert.That(filter.Check(Vote(outsider, 1)), Is.EqualTo(MessageVerdict.Invalid), "the driver's height: only its validators may sign");
                Assert.That(filter.Check(Vote(Keys[1], 1)), Is.EqualTo(MessageVerdict.Valid));
                Assert.That(driver.ValidateMessage(Vote(outsider, 1)), Is.EqualTo(MessageVerdict.Invalid), "the driver's check is the filter's");
                Assert.That(filter.Check(Encode(Proposal(1, 0, "v"u8.ToArray()))), Is.EqualTo(MessageVerdict.Valid));
                Assert.That(filter.Check(Encode(SignedProposal.Sign(notTheProposer, TestValidators.ChainId, 1, 0, -1, "v"u8, SHA256.HashData("v"u8)))),
                    Is.EqualTo(MessageVerdict.Invalid), "a validator proposing out of turn");
                Assert.That(filter.Check(Encode(SignedProposal.Sign(notTheProposer, TestValidators.ChainId, 1, 5000, -1, "v"u8, SHA256.HashData("v"u8)))),
                    Is.EqualTo(MessageVerdict.Irrelevant), "rounds far ahead are not worked out");
            });
        }
        Assert.That(filter.Check(Vote(outsider, 1)), Is.EqualTo(MessageVerdict.Invalid), "a stopped driver leaves the history to speak");
    }

    private static byte[] Vote(PrivateKey key, long height) =>
        Encode(SignedVote.Sign(key, TestValidators.ChainId, VoteType.Prevote, height, 0, []));

    private static byte[] Forged(long height) =>
        Encode(new SignedVote(VoteType.Prevote, height, 1, [], Keys[1].PeerId, SignedVote.Sign(Keys[1], TestValidators.ChainId, VoteType.Prevote, height, 0, []).Signature.Span));

    private static SignedProposal Proposal(long height, int round, byte[] value)
    {
        var proposer = Schedule.At(height).GetProposer(round).PeerId;
        return SignedProposal.Sign(Keys.First(k => k.PeerId == proposer), TestValidators.ChainId, height, round, -1, value, SHA256.HashData(value));
    }

    private static Decision DecisionOf(long height, byte[] value)
    {
        var id = SHA256.HashData(value);
        var signBytes = SignBytes.ForVote(TestValidators.ChainId, VoteType.Precommit, height, 0, id);
        return new Decision(value, new Commit(height, 0, id, [.. Keys.Take(3).Select(k => new CommitSignature(k.PeerId, k.Sign(signBytes)))]));
    }

    private static byte[] Encode(ConsensusMessage message) => ConsensusMessageCodec.Encode(message);

    /// <summary>A host at <c>nextHeight</c> whose every height is decided by the schedule's sets; ids are SHA-256.</summary>
    internal sealed class TestHistory(long nextHeight) : IConsensusHistory
    {
        public long NextHeight { get; set; } = nextHeight;

        public ValidatorSet? GetValidators(long height) => height >= 1 && height <= NextHeight ? Schedule.At(height) : null;

        public byte[] ComputeValueId(ReadOnlySpan<byte> value) => SHA256.HashData(value);
    }
}

internal static class DecisionTestExtensions
{
    /// <summary>The same value and signatures claimed for another height.</summary>
    public static Decision WithHeight(this Decision decision, long height) =>
        new(decision.Value.Span, new Commit(height, decision.Commit.Round, decision.Commit.ValueId.Span, decision.Commit.Signatures));
}
