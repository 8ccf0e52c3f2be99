using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using static Cerebrum.Tests.Consensus.StateMachineHarness;

namespace Cerebrum.Tests.Consensus;

/// <summary>The rules of Algorithm 1, one at a time, on a machine fed hand-signed messages.</summary>
[TestFixture]
public class StateMachineTests
{
    private static readonly byte[] V = Value("block v");
    private static readonly byte[] W = Value("block w");

    [Test]
    public void StartingAHeightWaitsForTheProposalWithATimeout()
    {
        var h = new StateMachineHarness();
        Assert.That(h.Machine.Height, Is.EqualTo(1));
        Assert.That(h.Machine.Round, Is.EqualTo(0));
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Propose));
        // line 21: a non-proposer schedules timeoutPropose(0)
        var propose = h.Started.Actions.OfType<ScheduleTimeout>().Single(s => s.Timeout.Kind == TimeoutKind.Propose);
        Assert.That(propose.Timeout, Is.EqualTo(new ConsensusTimeout(1, 0, TimeoutKind.Propose)));
        Assert.That(propose.Delay, Is.EqualTo(TestValidators.FastOptions.ProposeTimeout));
    }

    [Test]
    public void PrevotesAValidProposalAndNilForAnInvalidOne()
    {
        var h = new StateMachineHarness();
        var prevote = SingleVoteCast(h.Receive(h.Proposal(0, V)), VoteType.Prevote); // line 24
        Assert.That(prevote.ValueId.ToArray(), Is.EqualTo(Id(V)));
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Prevote));

        var other = new StateMachineHarness();
        var nil = SingleVoteCast(other.Receive(other.Proposal(0, Value("invalid block"))), VoteType.Prevote); // line 26
        Assert.That(nil.IsNil, Is.True);
    }

    [Test]
    public void LocksAndPrecommitsOnAPolka()
    {
        var h = new StateMachineHarness();
        h.Receive(h.Proposal(0, V));
        var others = h.Others.ToArray();
        var afterOne = h.Votes(VoteType.Prevote, 0, V, others[0]);
        Assert.That(VotesCast(afterOne), Is.Empty, "two of four prevotes are not a polka");
        var output = h.Votes(VoteType.Prevote, 0, V, others[1]);
        var precommit = SingleVoteCast(output, VoteType.Precommit); // line 40
        Assert.That(precommit.ValueId.ToArray(), Is.EqualTo(Id(V)));
        Assert.That(h.Machine.LockedRound, Is.EqualTo(0));
        Assert.That(h.Machine.LockedValueId.ToArray(), Is.EqualTo(Id(V)));
        Assert.That(h.Machine.ValidRound, Is.EqualTo(0));
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Precommit));
        // line 34: 2f+1 prevotes for anything also scheduled timeoutPrevote
        Assert.That(Timeouts(output), Does.Contain(new ConsensusTimeout(1, 0, TimeoutKind.Prevote)));
    }

    [Test]
    public void DecidesOnTwoThirdsOfPrecommitsWithAVerifiableCommit()
    {
        var h = new StateMachineHarness();
        h.Receive(h.Proposal(0, V));
        var others = h.Others.ToArray();
        h.Votes(VoteType.Prevote, 0, V, others[0], others[1]);
        var notYet = h.Votes(VoteType.Precommit, 0, V, others[0]);
        Assert.That(notYet.Actions.OfType<DecideValue>(), Is.Empty, "own + one precommit are 2 of 4");
        var output = h.Votes(VoteType.Precommit, 0, V, others[1]);

        var decide = output.Actions.OfType<DecideValue>().Single(); // line 49
        Assert.That(decide.Height, Is.EqualTo(1));
        Assert.That(decide.Value.ToArray(), Is.EqualTo(V));
        Assert.That(h.Machine.HasDecided, Is.True);
        Assert.That(decide.Commit.Signatures, Has.Count.EqualTo(3));
        var verdict = new CommitVerifier(TestValidators.ChainId).Verify(decide.Commit.ToBytes(), 1, Id(V), h.Schedule.At(1));
        Assert.That(verdict.IsValid, Is.True, verdict.ToString());
        Assert.That(SimpleTimeouts(output), Does.Contain(new ConsensusTimeout(1, 0, TimeoutKind.NewHeight)));

        // The next height starts when the host fires NewHeight, with the application's validators.
        var next = h.Timeout(new ConsensusTimeout(1, 0, TimeoutKind.NewHeight));
        Assert.That(h.Machine.Height, Is.EqualTo(2));
        Assert.That(h.Machine.HasDecided, Is.False);
        Assert.That(h.Machine.LockedRound, Is.EqualTo(-1));
        Assert.That(next.Actions, Is.Not.Empty);
    }

    [Test]
    public void DecidesForAnEarlierRoundWhenItsPrecommitsArrive()
    {
        var h = new StateMachineHarness();
        h.Receive(h.Proposal(0, V));
        var others = h.Others.ToArray();
        h.Votes(VoteType.Prevote, 1, null, others[0], others[1]); // f+1 in round 1: skip there (line 55)
        Assert.That(h.Machine.Round, Is.EqualTo(1));
        var output = h.Votes(VoteType.Precommit, 0, V, others); // line 49 holds for any round r
        Assert.That(output.Actions.OfType<DecideValue>().Single().Round, Is.EqualTo(0));
    }

    [Test]
    public void TimeoutProposePrevotesNilAndStaleTimeoutsAreIgnored()
    {
        var h = new StateMachineHarness();
        var stale = h.Timeout(new ConsensusTimeout(1, 5, TimeoutKind.Propose));
        Assert.That(VotesCast(stale), Is.Empty);
        var output = h.Timeout(new ConsensusTimeout(1, 0, TimeoutKind.Propose)); // line 57
        Assert.That(SingleVoteCast(output, VoteType.Prevote).IsNil, Is.True);
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Prevote));
        var again = h.Timeout(new ConsensusTimeout(1, 0, TimeoutKind.Propose));
        Assert.That(VotesCast(again), Is.Empty, "step is no longer propose");
    }

    [Test]
    public void TimeoutPrevotePrecommitsNilAfterMixedPrevotes()
    {
        var h = new StateMachineHarness();
        h.Timeout(new ConsensusTimeout(1, 0, TimeoutKind.Propose)); // own prevote nil
        var others = h.Others.ToArray();
        h.Votes(VoteType.Prevote, 0, V, others[0]);
        var output = h.Votes(VoteType.Prevote, 0, W, others[1]);
        Assert.That(Timeouts(output), Does.Contain(new ConsensusTimeout(1, 0, TimeoutKind.Prevote)), "line 34");
        Assert.That(VotesCast(output), Is.Empty, "no polka for anything");
        var fired = h.Timeout(new ConsensusTimeout(1, 0, TimeoutKind.Prevote)); // line 61
        Assert.That(SingleVoteCast(fired, VoteType.Precommit).IsNil, Is.True);
        Assert.That(h.Machine.LockedRound, Is.EqualTo(-1));
    }

    [Test]
    public void APolkaForNilPrecommitsNil()
    {
        var h = new StateMachineHarness();
        h.Timeout(new ConsensusTimeout(1, 0, TimeoutKind.Propose));
        var others = h.Others.ToArray();
        var output = h.Votes(VoteType.Prevote, 0, null, others[0], others[1]); // line 44
        Assert.That(SingleVoteCast(output, VoteType.Precommit).IsNil, Is.True);
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Precommit));
    }

    [Test]
    public void TimeoutPrecommitStartsTheNextRound()
    {
        var h = new StateMachineHarness();
        h.Timeout(new ConsensusTimeout(1, 0, TimeoutKind.Propose));
        var others = h.Others.ToArray();
        h.Votes(VoteType.Prevote, 0, null, others[0], others[1]);
        var output = h.Votes(VoteType.Precommit, 0, null, others[0], others[1]);
        var timeout = output.Actions.OfType<ScheduleTimeout>().Single(s => s.Timeout.Kind == TimeoutKind.Precommit); // line 47
        Assert.That(timeout.Delay, Is.EqualTo(TestValidators.FastOptions.PrecommitTimeoutFor(0)));
        Assert.That(output.Actions.OfType<DecideValue>(), Is.Empty);
        var next = h.Timeout(timeout.Timeout); // line 65
        Assert.That(h.Machine.Round, Is.EqualTo(1));
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Propose));
        var propose = next.Actions.OfType<ScheduleTimeout>().Single(s => s.Timeout.Kind == TimeoutKind.Propose);
        Assert.That(propose.Delay, Is.EqualTo(TestValidators.FastOptions.ProposeTimeoutFor(1)), "timeouts grow per round");
        Assert.That(propose.Delay, Is.GreaterThan(TestValidators.FastOptions.ProposeTimeoutFor(0)));
    }

    [Test]
    public void SkipsToARoundOnlyWhenMoreThanAThirdOfThePowerIsThere()
    {
        var h = new StateMachineHarness();
        var others = h.Others.ToArray();
        h.Votes(VoteType.Prevote, 5, null, others[0]);
        Assert.That(h.Machine.Round, Is.EqualTo(0), "one of four validators (f) is not enough");
        h.Votes(VoteType.Precommit, 5, null, others[0]);
        Assert.That(h.Machine.Round, Is.EqualTo(0), "the same validator twice is still one");
        var output = h.Votes(VoteType.Prevote, 5, W, others[1]); // line 55
        Assert.That(h.Machine.Round, Is.EqualTo(5));
        Assert.That(Timeouts(output), Does.Contain(new ConsensusTimeout(1, 5, TimeoutKind.Propose)));
    }

    [Test]
    public void ALockedValidatorPrevotesNilForAnotherValueAndTheLockedValueAgain()
    {
        var h = LockedOnVInRound0();
        SkipToRound(h, 2);
        var output = h.Receive(h.Proposal(2, W)); // line 22 with lockedRound = 0, lockedValue = v ≠ w
        Assert.That(SingleVoteCast(output, VoteType.Prevote).IsNil, Is.True);

        var again = LockedOnVInRound0();
        SkipToRound(again, 2);
        var relock = again.Receive(again.Proposal(2, V));
        Assert.That(SingleVoteCast(relock, VoteType.Prevote).ValueId.ToArray(), Is.EqualTo(Id(V)));
    }

    [Test]
    public void ALaterPolkaUnlocks()
    {
        var h = LockedOnVInRound0();
        // A polka for w in round 1 that this validator missed: the other three prevoted w.
        h.Votes(VoteType.Prevote, 1, W, [.. h.Others]);
        SkipToRound(h, 2);
        var withoutPolka = new StateMachineHarness();
        Assert.That(withoutPolka.Machine.LockedRound, Is.EqualTo(-1));

        // line 28: proposal (w, vr = 1) with 2f+1 prevotes for w in round 1 and lockedRound 0 ≤ 1: prevote w.
        var output = h.Receive(h.Proposal(2, W, validRound: 1));
        Assert.That(SingleVoteCast(output, VoteType.Prevote).ValueId.ToArray(), Is.EqualTo(Id(W)));
    }

    [Test]
    public void AProposalClaimingAPolkaThatDidNotHappenIsNotPrevoted()
    {
        var h = LockedOnVInRound0();
        SkipToRound(h, 2);
        var output = h.Receive(h.Proposal(2, W, validRound: 1)); // no 2f+1 prevotes for w in round 1
        Assert.That(output.Verdict, Is.EqualTo(InputVerdict.Accepted));
        Assert.That(VotesCast(output), Is.Empty, "line 28 waits for the polka");
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Propose));
    }

    [Test]
    public void TheProposerProposesItsValidValueWithItsValidRound()
    {
        var h = LockedOnVInRound0();
        SkipToRound(h, 3); // the machine under test proposes in round 3
        var output = h.Timeout(new ConsensusTimeout(1, 3, TimeoutKind.Rebroadcast));
        var proposal = output.Actions.OfType<BroadcastMessage>().Select(b => b.Message).OfType<SignedProposal>().Single();
        Assert.That(proposal.Round, Is.EqualTo(3));
        Assert.That(proposal.ValueId.ToArray(), Is.EqualTo(Id(V)), "line 16: proposal ← validValue");
        Assert.That(proposal.ValidRound, Is.EqualTo(0));
        // The polka behind validRound travels along, so peers can apply line 28.
        var polka = VotesCast(output).Where(v => v.Type == VoteType.Prevote && v.Round == 0).ToList();
        Assert.That(polka, Has.Count.GreaterThanOrEqualTo(3));
    }

    [Test]
    public void AFreshProposerAsksTheApplicationForAValue()
    {
        var h = new StateMachineHarness();
        SkipToRound(h, 3);
        Assert.That(h.Machine.Round, Is.EqualTo(3));
        var own = h.Timeout(new ConsensusTimeout(1, 3, TimeoutKind.Rebroadcast))
            .Actions.OfType<BroadcastMessage>().Select(b => b.Message).OfType<SignedProposal>().Single();
        Assert.That(own.ValidRound, Is.EqualTo(-1));
        Assert.That(System.Text.Encoding.UTF8.GetString(own.Value.Span), Does.StartWith("h1 r3 by self"));
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Prevote), "it prevoted its own proposal");
    }

    [Test]
    public void BadMessagesAreRejectedBeforeAnyStateChange()
    {
        var h = new StateMachineHarness();
        using var outsider = Secp256k1PrivateKey.Generate();
        var fromOutsider = h.Receive(SignedVote.Sign(outsider, TestValidators.ChainId, VoteType.Prevote, 1, 7, []));
        Assert.That(fromOutsider.Verdict, Is.EqualTo(InputVerdict.Rejected));
        Assert.That(fromOutsider.Reason, Does.Contain("not a validator"));

        var other = h.Others.First();
        var genuine = h.Vote(other, VoteType.Prevote, 7, null);
        var forged = new SignedVote(VoteType.Prevote, 1, 7, [], genuine.Validator, h.Vote(other, VoteType.Prevote, 6, null).Signature.Span);
        Assert.That(h.Receive(forged).Verdict, Is.EqualTo(InputVerdict.Rejected));
        var otherChain = SignedVote.Sign(h.Keys[other], "another-chain", VoteType.Prevote, 1, 7, []);
        Assert.That(h.Receive(otherChain).Verdict, Is.EqualTo(InputVerdict.Rejected));

        var notProposer = SignedProposal.Sign(h.Keys[h.Others.First(i => i != h.ProposerOf(0))], TestValidators.ChainId, 1, 0, -1, V, Id(V));
        Assert.That(h.Receive(notProposer).Reason, Does.Contain("not the proposer"));
        var wrongId = SignedProposal.Sign(h.Keys[h.ProposerOf(0)], TestValidators.ChainId, 1, 0, -1, V, Id(W));
        Assert.That(h.Receive(wrongId).Verdict, Is.EqualTo(InputVerdict.Rejected));

        Assert.That(h.Machine.Round, Is.EqualTo(0));
        Assert.That(h.Machine.Step, Is.EqualTo(RoundStep.Propose));
        // The genuine vote still counts once, then is a duplicate.
        Assert.That(h.Receive(genuine).Verdict, Is.EqualTo(InputVerdict.Accepted));
        Assert.That(h.Receive(genuine).Verdict, Is.EqualTo(InputVerdict.Duplicate));
        Assert.That(h.Receive(h.Proposal(0, V)).Verdict, Is.EqualTo(InputVerdict.Accepted));
        Assert.That(h.Receive(h.Proposal(0, V)).Verdict, Is.EqualTo(InputVerdict.Duplicate));
        Assert.That(h.Machine.Evidence.Count, Is.Zero);
    }

    [Test]
    public void AnEquivocatingValidatorLeavesVerifiableEvidence()
    {
        var h = new StateMachineHarness();
        var other = h.Others.First();
        h.Receive(h.Vote(other, VoteType.Prevote, 0, V));
        var second = h.Receive(h.Vote(other, VoteType.Prevote, 0, W));
        Assert.That(second.Reason, Does.Contain("evidence"));
        h.Receive(h.Vote(other, VoteType.Prevote, 0, W)); // the same offence again is not new evidence

        var evidence = h.Machine.Evidence.GetPending().Single();
        Assert.That(evidence.Validator, Is.EqualTo(h.Keys[other].PeerId));
        Assert.That(evidence.Height, Is.EqualTo(1));
        Assert.That(evidence.Type, Is.EqualTo(VoteType.Prevote));
        Assert.That(evidence.Verify(TestValidators.ChainId, h.Schedule.At(1)), Is.True);
        var decoded = DuplicateVoteEvidence.FromBytes(evidence.ToBytes());
        Assert.That(decoded.ToBytes(), Is.EqualTo(evidence.ToBytes()));
        Assert.That(decoded.Verify(TestValidators.ChainId, h.Schedule.At(1)), Is.True);
        Assert.That(decoded.Verify("another-chain", h.Schedule.At(1)), Is.False);
        Assert.That(() => DuplicateVoteEvidence.FromBytes([1, 2, 3]), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void FutureHeightMessagesAreBufferedWithinBoundsAndReplayed()
    {
        var h = new StateMachineHarness(TestValidators.FastOptions with { MaxBufferedMessages = 2 });
        var nextProposal = h.Proposal(0, W, height: 2);
        Assert.That(h.Receive(nextProposal).Verdict, Is.EqualTo(InputVerdict.Buffered));
        Assert.That(h.Receive(h.Vote(h.Others.First(), VoteType.Prevote, 0, W, height: 2)).Verdict, Is.EqualTo(InputVerdict.Buffered));
        var full = h.Receive(h.Vote(h.Others.Last(), VoteType.Prevote, 0, W, height: 2));
        Assert.That(full.Verdict, Is.EqualTo(InputVerdict.Dropped), "kept for no one: a later copy must be delivered again");
        Assert.That(full.Reason, Does.Contain("no room"));
        Assert.That(h.Receive(h.Vote(h.Others.Last(), VoteType.Prevote, 0, W, height: 9)).Reason, Does.Contain("too far ahead"));

        h.Receive(h.Proposal(0, V));
        h.Votes(VoteType.Prevote, 0, V, [.. h.Others]);
        h.Votes(VoteType.Precommit, 0, V, [.. h.Others]);
        Assert.That(h.Machine.HasDecided, Is.True);
        Assert.That(h.Receive(h.Vote(h.Others.First(), VoteType.Precommit, 0, V)).Verdict, Is.EqualTo(InputVerdict.Duplicate));

        var next = h.Timeout(new ConsensusTimeout(1, 0, TimeoutKind.NewHeight));
        Assert.That(h.Machine.Height, Is.EqualTo(2));
        Assert.That(h.Machine.BufferedMessages, Is.Zero);
        var prevote = SingleVoteCast(next, VoteType.Prevote); // the buffered proposal was replayed
        Assert.That(prevote.Height, Is.EqualTo(2));
        Assert.That(prevote.ValueId.ToArray(), Is.EqualTo(Id(W)));
        Assert.That(h.Receive(h.Vote(h.Others.First(), VoteType.Prevote, 0, V)).Verdict, Is.EqualTo(InputVerdict.Ignored));
    }

    [Test]
    public void TheFutureHeightBuffer_KeepsNeitherUnverifiableDecisionsNorStrangers_AndGivesEachValidatorAShareOfItsBytes()
    {
        // The probe of issue 13 item 2 held about 264 MiB with 300 bogus future decisions (the count cap allowed 3.6 GiB).
        var options = TestValidators.FastOptions with { MaxBufferedBytes = 1024 * 1024, MaxBufferedMessages = 400 };
        var h = new StateMachineHarness(options);
        var garbage = new byte[900 * 1024];
        for (var i = 0; i < 300; i++)
        {
            garbage[0] = (byte)i;
            var bogus = new Decision(garbage, new Commit(2, 0, Id(garbage),
                [.. h.Others.Select(v => new CommitSignature(h.Keys[v].PeerId, System.Security.Cryptography.RandomNumberGenerator.GetBytes(70)))]));
            Assert.That(h.Receive(bogus).Verdict, Is.EqualTo(InputVerdict.Dropped), "a later height's commit cannot be checked");
        }
        Assert.That((h.Machine.BufferedMessages, h.Machine.BufferedBytes), Is.EqualTo((0, 0L)));

        using var outsider = Secp256k1PrivateKey.Generate();
        Assert.That(h.Receive(SignedVote.Sign(outsider, TestValidators.ChainId, VoteType.Prevote, 2, 0, [])).Verdict, Is.EqualTo(InputVerdict.Dropped));
        var forged = new SignedVote(VoteType.Prevote, 2, 7, [], h.Keys[h.Others.First()].PeerId,
            h.Vote(h.Others.First(), VoteType.Prevote, 0, null, height: 2).Signature.Span);
        Assert.That(h.Receive(forged).Verdict, Is.EqualTo(InputVerdict.Rejected), "a forged signature is caught before it is kept");

        // One validator floods: it gets its share (400 / 4 messages, 1 MiB / 4 bytes), no more.
        var flooder = h.Others.First();
        var kept = Enumerable.Range(0, 1000).Count(round => h.Receive(h.Vote(flooder, VoteType.Prevote, round, null, height: 2)).Verdict == InputVerdict.Buffered);
        Assert.That(kept, Is.EqualTo(100));
        var bigValue = new byte[300 * 1024];
        var big = SignedProposal.Sign(h.Keys[h.Others.Last()], TestValidators.ChainId, 2, 0, -1, bigValue, Id(bigValue));
        Assert.That(h.Receive(big).Verdict, Is.EqualTo(InputVerdict.Dropped), "300 KiB is more than a quarter of 1 MiB");
        var fair = SignedProposal.Sign(h.Keys[h.Others.Last()], TestValidators.ChainId, 2, 0, -1, new byte[100 * 1024], Id(new byte[100 * 1024]));
        Assert.That(h.Receive(fair).Verdict, Is.EqualTo(InputVerdict.Buffered), "the others' shares are untouched by the flood");
        Assert.That(h.Machine.BufferedBytes, Is.LessThanOrEqualTo(options.MaxBufferedBytes));
    }

    [Test]
    public void AValidatorOneHeightBehindIsSentTheDecision()
    {
        var h = new StateMachineHarness();
        h.Receive(h.Proposal(0, V));
        h.Votes(VoteType.Prevote, 0, V, [.. h.Others]);
        h.Votes(VoteType.Precommit, 0, V, [.. h.Others]);
        h.Timeout(new ConsensusTimeout(1, 0, TimeoutKind.NewHeight));

        var straggler = h.Receive(h.Vote(h.Others.First(), VoteType.Prevote, 4, null, height: 1));
        var decision = straggler.Actions.OfType<BroadcastMessage>().Select(b => b.Message).OfType<Decision>().Single();
        Assert.That(decision.Height, Is.EqualTo(1));

        // A validator still at height 1 decides from it.
        var behind = new StateMachineHarness();
        var output = behind.Receive(decision);
        Assert.That(output.Actions.OfType<DecideValue>().Single().Value.ToArray(), Is.EqualTo(V));
        Assert.That(behind.Receive(new Decision(W, decision.Commit)).Verdict, Is.EqualTo(InputVerdict.Duplicate));
        var fresh = new StateMachineHarness();
        Assert.That(fresh.Receive(new Decision(W, decision.Commit)).Verdict, Is.EqualTo(InputVerdict.Rejected), "commit is for v, not w");
    }

    [Test]
    public void WeightedPowerDecidesQuorums()
    {
        // Powers 1, 1, 1, 5: the heavy validator alone is more than 1/3 of the power.
        // Put the weight on a validator other than the one under test.
        var h = Enumerable.Range(0, 4).Select(i => new StateMachineHarness(powers: [.. Enumerable.Range(0, 4).Select(j => j == i ? 5L : 1L)]))
            .First(x => x.Schedule.At(1).Find(x.Keys[x.Self].PeerId)!.Power == 1);
        var set = h.Schedule.At(1);
        var heavy = Array.FindIndex(h.Keys, k => set.Find(k.PeerId)!.Power == 5);
        Assert.That(set.TotalPower, Is.EqualTo(8));
        h.Votes(VoteType.Prevote, 4, null, heavy);
        Assert.That(h.Machine.Round, Is.EqualTo(4), "5 of 8 is more than a third");
        var light = h.Others.First(i => i != heavy);
        h.Votes(VoteType.Prevote, 6, null, light);
        Assert.That(h.Machine.Round, Is.EqualTo(4), "1 of 8 is not");
    }

    private static StateMachineHarness LockedOnVInRound0()
    {
        var h = new StateMachineHarness();
        h.Receive(h.Proposal(0, V));
        h.Votes(VoteType.Prevote, 0, V, h.Others.Take(2).ToArray());
        Assert.That(h.Machine.LockedRound, Is.EqualTo(0));
        return h;
    }

    private static void SkipToRound(StateMachineHarness h, int round)
    {
        var others = h.Others.ToArray();
        foreach (var v in others.Take(2))
            h.Receive(h.Vote(v, VoteType.Precommit, round, null));
        Assert.That(h.Machine.Round, Is.EqualTo(round));
    }

    private static IReadOnlyList<ConsensusTimeout> SimpleTimeouts(ConsensusOutput output) => Timeouts(output);
}
