using System.Diagnostics;
using Cerebrum.Core.Consensus;
using Cerebrum.Core.Crypto;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cerebrum.Tests.Consensus;

/// <summary>Drivers over an in-memory broadcast network, on a fake clock advanced by the test.</summary>
[TestFixture]
public class ConsensusDriverTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Test]
    public async Task FourDriversDecideSeveralHeights()
    {
        await using var cluster = new Cluster(running: 4);
        // Garbage straight into a driver's inbox (past any gossip validation) is dropped; the driver carries on.
        cluster.Members[0].Inbox.Writer.TryWrite(new byte[] { 0xff, 0x01, 0x02 });
        cluster.Members[0].Inbox.Writer.TryWrite(Array.Empty<byte>());
        await cluster.RunUntilAllDecidedAsync(height: 5);
        cluster.AssertAgreementAndCommits(5);
        Assert.That(cluster.Drivers.All(d => d.Height >= 5), Is.True);
    }

    [Test]
    public async Task ThreeOfFourDriversKeepDecidingWhenOneIsDown()
    {
        await using var cluster = new Cluster(running: 3);
        await cluster.RunUntilAllDecidedAsync(height: 4);
        cluster.AssertAgreementAndCommits(4);
        // The crashed validator's turns as proposer were skipped by timeouts, not waited out forever.
        Assert.That(cluster.Apps.SelectMany(a => a.Decided.Values).Any(d => d.Commit.Round > 0), Is.True);
    }

    [Test]
    public async Task EachRound_IsARootSpan_EndedByItsDecisionOrByTheNextRound()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ConsensusTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        Dictionary<long, int> decidedRounds;
        await using (var cluster = new Cluster(running: 3))
        {
            await cluster.RunUntilAllDecidedAsync(height: 4);
            decidedRounds = cluster.Apps[0].Decided.Where(d => d.Key <= 4).ToDictionary(d => d.Key, d => d.Value.Commit.Round);
        }

        var rounds = spans.ToArray();
        Assert.That(rounds.Select(s => s.OperationName), Has.All.EqualTo(ConsensusTracing.Round));
        Assert.That(rounds.Select(s => s.ParentSpanId), Has.All.EqualTo(default(ActivitySpanId)));
        static (long Height, int Round, string Outcome) Of(Activity s) => ((long)s.GetTagItem("cerebrum.height")!, (int)s.GetTagItem("cerebrum.round")!, (string)s.GetTagItem("cerebrum.outcome")!);
        foreach (var (height, round) in decidedRounds)
        {
            // Each of the three running drivers decided the height in the commit's round, once.
            Assert.That(rounds.Select(Of).Count(r => r == (height, round, "decided")), Is.EqualTo(3), $"height {height}");
            if (round > 0)
                Assert.That(rounds.Select(Of).Count(r => r.Height == height && r.Round < round && r.Outcome == "next_round"), Is.GreaterThan(0), $"height {height}");
        }
        Assert.That(decidedRounds.Values, Has.Some.GreaterThan(0), "the down validator's turn as proposer timed out into a second round");
    }

    [Test]
    public async Task ADriverOfferedADecisionItCouldNotReachAlone_DecidesItAndMovesOn()
    {
        // Only driver 0 runs: alone it can never gather +2/3 precommits, as a validator whose peers already finalized
        // the height (the block reached its chain over the blocks topic) and moved on.
        await using var cluster = new Cluster(running: 1);
        var driver = cluster.Drivers[0];
        Decision DecisionBy(byte[] value, params int[] signers)
        {
            var id = System.Security.Cryptography.SHA256.HashData(value);
            return new Decision(value, new Commit(1, 0, id, [.. signers.Select(i => new CommitSignature(cluster.Keys[i].PeerId,
                cluster.Keys[i].Sign(SignBytes.ForVote(TestValidators.ChainId, VoteType.Precommit, 1, 0, id))))]));
        }
        var value = "h1 decided by the others"u8.ToArray();

        // Without a quorum (2 of 4) an offer is refused; the full one (3 of 4), offered after it, is decided.
        driver.OfferDecision(DecisionBy("h1 without a quorum"u8.ToArray(), 1, 2));
        driver.OfferDecision(DecisionBy(value, 1, 2, 3));
        await cluster.RunUntilAllDecidedAsync(height: 1);

        Assert.That(cluster.Apps[0].Decided[1].Value, Is.EqualTo(value));
        Assert.That(driver.DecidedHeight, Is.EqualTo(1));
        var watch = Stopwatch.StartNew();
        while (driver.Height < 2 && watch.Elapsed < Bound) await cluster.TickAsync();
        Assert.That(driver.Height, Is.EqualTo(2), "the driver went on to the next height");
    }

    [Test]
    public async Task TheMessageCheckFindsMessagesValidInvalidOrIrrelevant()
    {
        await using var cluster = new Cluster(running: 1);
        var driver = cluster.Drivers[0];
        Assert.That(SpinWait.SpinUntil(() => driver.Height == 1, Bound), Is.True, "driver started");
        var keys = cluster.Keys;
        var vote = SignedVote.Sign(keys[1], TestValidators.ChainId, VoteType.Prevote, 1, 0, []);
        Assert.That(driver.ValidateMessage(ConsensusMessageCodec.Encode(vote)), Is.EqualTo(MessageVerdict.Valid));
        Assert.That(driver.ValidateMessage([0xff, 0x00, 0x13]), Is.EqualTo(MessageVerdict.Invalid));
        var forged = new SignedVote(VoteType.Prevote, 1, 1, [], keys[1].PeerId, vote.Signature.Span);
        Assert.That(driver.ValidateMessage(ConsensusMessageCodec.Encode(forged)), Is.EqualTo(MessageVerdict.Invalid));
        using var outsider = Secp256k1PrivateKey.Generate();
        var foreign = SignedVote.Sign(outsider, TestValidators.ChainId, VoteType.Prevote, 1, 0, []);
        Assert.That(driver.ValidateMessage(ConsensusMessageCodec.Encode(foreign)), Is.EqualTo(MessageVerdict.Invalid));
        var farAhead = SignedVote.Sign(keys[1], TestValidators.ChainId, VoteType.Prevote, 100, 0, []);
        Assert.That(driver.ValidateMessage(ConsensusMessageCodec.Encode(farAhead)), Is.EqualTo(MessageVerdict.Irrelevant));
        var nextHeight = SignedVote.Sign(keys[1], TestValidators.ChainId, VoteType.Prevote, 2, 0, []);
        Assert.That(driver.ValidateMessage(ConsensusMessageCodec.Encode(nextHeight)), Is.EqualTo(MessageVerdict.Valid));

        Assert.That(() => driver.Start(1, cluster.Schedule.At(1)), Throws.InvalidOperationException, "started once");
    }

    /// <summary>Four validators' drivers (only <c>running</c> of them started) on one fake clock.</summary>
    private sealed class Cluster : IAsyncDisposable
    {
        private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch);
        private readonly int _running;

        public Cluster(int running)
        {
            _running = running;
            Keys = TestValidators.Secp256k1Keys(4);
            Schedule = new ValidatorSchedule(TestValidators.SetOf(Keys));
            var network = new InMemoryConsensusNetwork();
            var options = TestValidators.FastOptions with { CommitDelay = TimeSpan.Zero };
            for (var i = 0; i < Keys.Length; i++)
            {
                var app = new TestApplication($"driver{i}", Schedule);
                var member = network.Join();
                var driver = new ConsensusDriver(options, TestValidators.ChainId, Keys[i], app, member, _time, NullLogger.Instance);
                member.Validator = driver.ValidateMessage;
                member.IsDown = i >= running;
                Apps.Add(app);
                Drivers.Add(driver);
                Members.Add(member);
            }
            for (var i = 0; i < running; i++)
                Drivers[i].Start(1, Schedule.At(1));
        }

        public PrivateKey[] Keys { get; }

        public ValidatorSchedule Schedule { get; }

        public List<TestApplication> Apps { get; } = [];

        public List<ConsensusDriver> Drivers { get; } = [];

        public List<InMemoryConsensusNetwork.Member> Members { get; } = [];

        private IEnumerable<TestApplication> RunningApps => Apps.Take(_running);

        /// <summary>Advances the fake clock in small steps, letting the drivers' loops run in between, until every running driver decided.</summary>
        public async Task RunUntilAllDecidedAsync(long height)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void Check(long _)
            {
                if (RunningApps.All(a => a.Decided.ContainsKey(height))) done.TrySetResult();
            }
            foreach (var app in RunningApps) app.DecidedHeight += Check;
            Check(0);
            var watch = Stopwatch.StartNew();
            while (!done.Task.IsCompleted && watch.Elapsed < Bound)
            {
                _time.Advance(TimeSpan.FromMilliseconds(50));
                // Pacing only: the loops run on the thread pool between ticks of simulated time; completion is what is awaited.
                await Task.WhenAny(done.Task, Task.Delay(5));
            }
            Assert.That(done.Task.IsCompleted, Is.True,
                $"not all decided height {height} within {Bound}: {string.Join(", ", RunningApps.Select(a => a.Decided.Count))}");
        }

        /// <summary>One step of simulated time, then a moment for the drivers' loops.</summary>
        public async Task TickAsync()
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(5);
        }

        public void AssertAgreementAndCommits(long heights)
        {
            var verifier = new CommitVerifier(TestValidators.ChainId);
            for (long h = 1; h <= heights; h++)
            {
                var decided = RunningApps.Select(a => a.Decided[h]).ToList();
                Assert.That(decided.Select(d => Convert.ToHexString(d.Value)).Distinct().Count(), Is.EqualTo(1), $"agreement at height {h}");
                foreach (var (value, commit) in decided)
                {
                    var check = verifier.Verify(commit.ToBytes(), h, System.Security.Cryptography.SHA256.HashData(value), Schedule.At(h));
                    Assert.That(check.IsValid, Is.True, $"height {h}: {check}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var driver in Drivers)
                await driver.DisposeAsync().AsTask().WaitAsync(Bound);
        }
    }
}
