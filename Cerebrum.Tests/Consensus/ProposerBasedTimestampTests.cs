using System.Globalization;
using System.Text;
using Cerebrum.Core.Consensus;
using static Cerebrum.Tests.Consensus.StateMachineHarness;

namespace Cerebrum.Tests.Consensus;

/// <summary>
/// Proposer-based timestamps (issue 13 item 1): a value proposed for the first time is prevoted only when its time is
/// timely at the moment its proposal arrived; the machine is fed time and never reads a clock.
/// </summary>
[TestFixture]
public class ProposerBasedTimestampTests
{
    private static readonly SynchronyParams Synchrony = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));

    [TestCase(0, true)]
    [TestCase(500, true, Description = "exactly the precision ahead")]
    [TestCase(501, false, Description = "just beyond the precision ahead")]
    [TestCase(10 * 24 * 3600 * 1000L, false, Description = "ten days ahead: would release every unbonding at once")]
    [TestCase(-5_500, true, Description = "message delay + precision old")]
    [TestCase(-5_501, false, Description = "older than the message delay allows")]
    public void ANewValueIsPrevotedOnlyWhenItsTimeIsTimely(long aheadMs, bool timely)
    {
        var h = Harness();
        var value = Timed("v", h.Now.AddMilliseconds(aheadMs));
        var prevote = SingleVoteCast(h.Receive(h.Proposal(0, value)), VoteType.Prevote);
        Assert.That(prevote.IsNil, Is.EqualTo(!timely), $"a block time {aheadMs} ms from the receive time");
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Prevote));
    }

    [Test]
    public void TheReceiveTimeIsWhenTheProposalArrived_NotWhenItIsLookedAtLater()
    {
        // A proposal of round 1 arrives in round 0 with a fresh time; round 1 starts 10 s later. Its receive time is
        // then the round's start (PBTS: reception within the round), 10 s after its time: not timely.
        var h = Harness();
        var value = Timed("v", h.Now);
        Assert.That(h.Receive(h.Proposal(1, value)).Verdict, Is.EqualTo(InputVerdict.Accepted));
        h.Now += TimeSpan.FromSeconds(10);
        var cast = new List<SignedVote>();
        foreach (var v in h.Others.Take(2)) cast.AddRange(VotesCast(h.Receive(h.Vote(v, VoteType.Precommit, 1, null))));
        Assert.That(h.Machine.Round, Is.EqualTo(1));
        var prevotes = cast.Where(v => v.Type == VoteType.Prevote && v.Round == 1).ToList();
        Assert.That(prevotes, Has.Count.EqualTo(1));
        Assert.That(prevotes[0].IsNil, Is.True, "received before its round, judged at the round's start");

        // The same proposal received on time in its own round is prevoted.
        var onTime = Harness();
        onTime.Now += TimeSpan.FromSeconds(10);
        foreach (var v in onTime.Others.Where(v => v != onTime.ProposerOf(1)).Take(2)) onTime.Receive(onTime.Vote(v, VoteType.Precommit, 1, null));
        Assert.That(onTime.Machine.Round, Is.EqualTo(1));
        var prevote = SingleVoteCast(onTime.Receive(onTime.Proposal(1, Timed("v", onTime.Now))), VoteType.Prevote);
        Assert.That(prevote.IsNil, Is.False);
    }

    [Test]
    public void TheMessageDelayGrowsTenPercentPerRound_SoAnUnderestimatedDelayStillLetsARoundSucceed()
    {
        // 6 s late: beyond 5 s + 0.5 s in round 0, within 5 s × 1.2 + 0.5 s in round 2.
        Assert.That(Synchrony.IsTimely(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(6), 0), Is.False);
        Assert.That(Synchrony.IsTimely(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(6), 2), Is.True);
        Assert.That(Synchrony.MessageDelayFor(int.MaxValue), Is.GreaterThan(Synchrony.MessageDelay), "no overflow however many rounds");
        Assert.That(Synchrony.IsTimely(DateTimeOffset.MaxValue, DateTimeOffset.MinValue, 0), Is.False, "no arithmetic leaves the range");
        Assert.That(Synchrony.IsTimely(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, int.MaxValue), Is.False);
    }

    [Test]
    public void AReProposedValueKeepsItsTime_AndNeedsNoTimelinessCheck()
    {
        // Line 28: the value was found timely by 2f+1 prevotes of round 0; re-proposed in round 2 with its old time,
        // it is prevoted though that time is now minutes old.
        var h = Harness();
        var value = Timed("v", h.Now);
        h.Receive(h.Proposal(0, value));
        h.Votes(VoteType.Prevote, 0, value, [.. h.Others.Take(2)]);
        Assert.That(h.Machine.LockedRound, Is.EqualTo(0));
        h.Now += TimeSpan.FromMinutes(3);
        foreach (var v in h.Others.Take(2)) h.Receive(h.Vote(v, VoteType.Precommit, 2, null));
        var prevote = SingleVoteCast(h.Receive(h.Proposal(2, value, validRound: 0)), VoteType.Prevote);
        Assert.That(prevote.ValueId.ToArray(), Is.EqualTo(Id(value)));
    }

    [Test]
    public void AValueWhoseTimeCannotBeReadIsNotTimely()
    {
        var h = Harness();
        var prevote = SingleVoteCast(h.Receive(h.Proposal(0, "no time here"u8.ToArray())), VoteType.Prevote);
        Assert.That(prevote.IsNil, Is.True);
    }

    [Test]
    public void TheProposerStampsItsValueWithTheTimeItWasFed()
    {
        var h = Harness();
        h.Now += TimeSpan.FromSeconds(42);
        foreach (var v in h.Others.Take(2)) h.Receive(h.Vote(v, VoteType.Precommit, 3, null)); // the machine proposes in round 3
        Assert.That(h.Machine.Round, Is.EqualTo(3));
        Assert.That(h.App.ProposedAt.Last(), Is.EqualTo(h.Now));
    }

    private static StateMachineHarness Harness()
    {
        var h = new StateMachineHarness();
        h.App.TimeOf = TimeOf;
        h.App.Synchrony = Synchrony;
        h.App.ProposeOverride = (height, round) => Timed($"h{height} r{round} by self", h.App.ProposedAt.Last());
        return h;
    }

    private static byte[] Timed(string name, DateTimeOffset time) =>
        Encoding.UTF8.GetBytes($"{name}@{time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}");

    private static DateTimeOffset? TimeOf(byte[] value)
    {
        var text = Encoding.UTF8.GetString(value);
        var at = text.LastIndexOf('@');
        return at < 0 ? throw new FormatException("no time") : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(text[(at + 1)..], CultureInfo.InvariantCulture));
    }
}
