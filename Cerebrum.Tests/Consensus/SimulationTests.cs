using System.Diagnostics;

namespace Cerebrum.Tests.Consensus;

/// <summary>
/// Safety and liveness of the state machine across random networks: 4 equal validators with one faulty, or 7 weighted ones with two (crashed or
/// byzantine), delays, loss, reordering and a partition before GST, a bounded delay after.
/// </summary>
[TestFixture]
public class SimulationTests
{
    private const int Seeds = 210;
    private const long StableWindowMs = 6_000;
    private const int MinHeightsAfterGst = 5;

    [Test]
    public void NoTwoHonestValidatorsEverDecideDifferentValuesAndBlocksKeepComing()
    {
        var watch = Stopwatch.StartNew();
        long delivered = 0;
        var byzantineRuns = 0;
        var slowest = long.MaxValue;
        for (var seed = 1; seed <= Seeds; seed++)
        {
            var fault = (SimulatedFault)(seed % 3);
            // Mostly 4 equal validators (f = 1); every 10th seed 7 validators with random powers and f = 2.
            var network = seed % 10 == 0 ? new SimulatedNetwork(seed, fault, nodes: 7, weighted: true) : new SimulatedNetwork(seed, fault);
            network.Run(network.GstMs + StableWindowMs);
            delivered += network.DeliveredMessages;
            var context = $"seed {seed}, {network.Nodes} validators, fault {fault} (nodes {string.Join(",", network.Faulty)})";

            // Safety: one decided value per height across all honest validators.
            Assert.That(network.Violations, Is.Empty, context);

            // Liveness: after GST every honest validator keeps deciding.
            foreach (var node in network.HonestNodes)
            {
                var progress = node.DecidedHeight - node.DecidedHeightAt(network.GstMs);
                slowest = Math.Min(slowest, progress);
                Assert.That(progress, Is.GreaterThanOrEqualTo(MinHeightsAfterGst),
                    $"{context}: node{node.Index} decided {progress} heights in {StableWindowMs} ms after GST");
                // Heights are decided in order with no gaps.
                Assert.That(node.Decisions.Keys.Order(), Is.EqualTo(Enumerable.Range(1, (int)node.DecidedHeight).Select(h => (long)h)), context);
            }

            // Equivocation is detected and kept as verified evidence against the byzantine validator only.
            if (fault == SimulatedFault.Byzantine)
            {
                byzantineRuns++;
                var byzantine = network.Faulty.Select(i => network.AllNodes[i].Key.PeerId).ToList();
                var evidence = network.HonestNodes.SelectMany(n => n.Machine.Evidence.GetPending()).ToList();
                Assert.That(evidence, Is.Not.Empty, $"{context}: no evidence of equivocation");
                Assert.That(evidence.Select(e => e.Validator).Distinct(), Is.SubsetOf(byzantine), context);
                var validators = network.AllNodes[0].App.GetValidators(evidence[0].Height);
                Assert.That(evidence[0].Verify(TestValidators.ChainId, validators), Is.True, context);
            }
        }
        TestContext.Out.WriteLine($"{Seeds} seeds ({byzantineRuns} byzantine) in {watch.ElapsedMilliseconds} ms, {delivered} messages delivered, "
            + $"slowest honest validator decided {slowest} heights in the {StableWindowMs} ms after GST");
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "the simulation must stay fast");
    }

    [Test]
    public void TheSimulationIsDeterministicForASeed()
    {
        var a = new SimulatedNetwork(42, SimulatedFault.Byzantine);
        var b = new SimulatedNetwork(42, SimulatedFault.Byzantine);
        a.Run(8_000);
        b.Run(8_000);
        Assert.That(a.DeliveredMessages, Is.EqualTo(b.DeliveredMessages));
        Assert.That(a.AllNodes[0].Decisions, Is.EquivalentTo(b.AllNodes[0].Decisions));
        Assert.That(a.AllNodes[0].DecidedHeight, Is.GreaterThan(0));
    }
}
