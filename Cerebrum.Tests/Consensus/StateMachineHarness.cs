using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Consensus;

/// <summary>
/// One state machine under test among 4 validators with real secp256k1 keys; the test plays the other three by
/// signing their messages. The machine under test is the proposer of round 3, so rounds 0–2 are proposed by others.
/// </summary>
internal sealed class StateMachineHarness
{
    public StateMachineHarness(ConsensusOptions? options = null, IReadOnlyList<long>? powers = null)
    {
        Keys = TestValidators.Secp256k1Keys(4);
        Schedule = new ValidatorSchedule(TestValidators.SetOf(Keys, powers));
        var set = Schedule.At(1);
        Self = Array.FindIndex(Keys, k => k.PeerId == set.GetProposer(3).PeerId);
        App = new TestApplication("self", Schedule);
        Machine = new ConsensusStateMachine(options ?? TestValidators.FastOptions, TestValidators.ChainId, Keys[Self], App);
        Started = Machine.StartHeight(1, set, Now);
    }

    public PrivateKey[] Keys { get; }

    public ValidatorSchedule Schedule { get; }

    public int Self { get; }

    public TestApplication App { get; }

    public ConsensusStateMachine Machine { get; }

    public ConsensusOutput Started { get; }

    /// <summary>The validators other than the one under test.</summary>
    public IEnumerable<int> Others => Enumerable.Range(0, Keys.Length).Where(i => i != Self);

    public int ProposerOf(int round, long height = 1) => Array.FindIndex(Keys, k => k.PeerId == Schedule.At(height).GetProposer(round).PeerId);

    public static byte[] Value(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Id(byte[] value) => SHA256.HashData(value);

    public SignedProposal Proposal(int round, byte[] value, int validRound = -1, long height = 1) =>
        SignedProposal.Sign(Keys[ProposerOf(round, height)], TestValidators.ChainId, height, round, validRound, value, Id(value));

    public SignedVote Vote(int validator, VoteType type, int round, byte[]? value, long height = 1) =>
        SignedVote.Sign(Keys[validator], TestValidators.ChainId, type, height, round, value is null ? [] : Id(value));

    /// <summary>The clock fed to the machine with each input; tests move it.</summary>
    public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public ConsensusOutput Receive(ConsensusMessage message) => Machine.Receive(message, Now);

    public ConsensusOutput Timeout(ConsensusTimeout timeout) => Machine.OnTimeout(timeout, Now);

    /// <summary>Prevotes (or precommits) from the given validators, returning the last output.</summary>
    public ConsensusOutput Votes(VoteType type, int round, byte[]? value, params int[] validators)
    {
        ConsensusOutput? last = null;
        foreach (var v in validators)
        {
            last = Machine.Receive(Vote(v, type, round, value), Now);
            Assert.That(last.Verdict, Is.EqualTo(InputVerdict.Accepted), last.Reason);
        }
        return last!;
    }

    public static IReadOnlyList<SignedVote> VotesCast(ConsensusOutput output) =>
        [.. output.Actions.OfType<BroadcastMessage>().Select(b => b.Message).OfType<SignedVote>()];

    public static SignedVote SingleVoteCast(ConsensusOutput output, VoteType type)
    {
        var votes = VotesCast(output).Where(v => v.Type == type).ToList();
        Assert.That(votes, Has.Count.EqualTo(1), $"expected one {type} in {string.Join(", ", output.Actions)}");
        return votes[0];
    }

    public static IReadOnlyList<ConsensusTimeout> Timeouts(ConsensusOutput output) =>
        [.. output.Actions.OfType<ScheduleTimeout>().Select(s => s.Timeout)];
}
