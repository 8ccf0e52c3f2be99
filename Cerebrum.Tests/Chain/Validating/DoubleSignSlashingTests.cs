using Cerebrum.Core.Chain;
using Cerebrum.Core.Consensus;
using Cerebrum.Tests.Consensus;

namespace Cerebrum.Tests.Chain.Validating;

/// <summary>
/// Issue 21, end to end in the consensus simulation: a byzantine validator signs conflicting votes; the honest
/// validators' consensus catches it, the evidence travels to every honest validator (as the evidence topic carries
/// it), a proposer includes it, and on every honest node the double-signer ends slashed, jailed and out of the set,
/// with identical blocks and state roots and the supply invariant intact after every block.
/// </summary>
[TestFixture]
public sealed class DoubleSignSlashingTests
{
    [TestCase(3)]
    [TestCase(6)]
    [TestCase(9)]
    public void AByzantineDoubleSigner_EndsSlashedJailedAndOutOfTheSet_OnEveryHonestNode(int seed)
    {
        var parameters = new ChainParams
        {
            UnbondingDelay = TimeSpan.FromHours(1), MinFee = 1, StakePerPower = 100_000, SlashFractionBasisPoints = 1_000,
            JailDuration = TimeSpan.FromHours(1),
        };
        using var sim = new ChainSimulation(seed, SimulatedFault.Byzantine, parameters);
        var network = sim.Network;
        var byzantine = sim.Keys[network.Faulty.Single()].PeerId;
        var detected = new Dictionary<string, byte[]>();
        var delivered = new HashSet<(int Chain, string Evidence)>();
        var audited = new Dictionary<int, ulong>();
        network.AfterInput = node =>
        {
            // The evidence topic: what an honest validator's consensus catches reaches every honest validator's chain.
            if (!network.Faulty.Contains(node.Index))
                foreach (var evidence in node.Machine.Evidence.GetPending())
                {
                    detected.TryAdd(evidence.ToString(), evidence.ToBytes());
                    node.Machine.Evidence.Remove(evidence);
                }
            foreach (var honest in network.HonestNodes)
            {
                var chain = sim.Chains[honest.Index];
                foreach (var (name, bytes) in detected)
                {
                    if (delivered.Contains((honest.Index, name))) continue;
                    // A node that has not committed the evidence's height yet takes it later.
                    if (chain.SubmitEvidence(bytes)?.Code is not ChainErrorCode.EvidenceOfUnknownHeight)
                        delivered.Add((honest.Index, name));
                }
                // The supply invariant after every block.
                var height = chain.Status.Height;
                if (audited.GetValueOrDefault(honest.Index) == height) continue;
                audited[honest.Index] = height;
                Assert.That(chain.Supply.Total, Is.EqualTo(chain.GenesisSupply), $"supply after block {height} on node{honest.Index}");
            }
        };
        network.Run(network.GstMs + 12_000);

        Assert.That(network.Violations, Is.Empty);
        Assert.That(detected, Is.Not.Empty, "the honest validators caught the double signing");
        var honestChains = sim.HonestChains.ToList();
        var common = honestChains.Min(c => c.Status.Height);
        Assert.That(common, Is.GreaterThanOrEqualTo(5UL));
        for (var height = 1UL; height <= common; height++)
        {
            var reference = honestChains[0].GetBlock(height)!;
            foreach (var chain in honestChains)
                Assert.That(chain.GetBlock(height)!.Block.Header.StateRoot, Is.EqualTo(reference.Block.Header.StateRoot), $"state root of block {height}");
        }
        foreach (var group in honestChains.GroupBy(c => c.Status.Height))
            Assert.That(group.Select(c => Convert.ToHexString(c.Status.StateRoot)).Distinct().Count(), Is.EqualTo(1));

        foreach (var chain in honestChains)
        {
            var account = chain.GetAccount(byzantine);
            var context = $"on a node at height {chain.Status.Height}";
            Assert.That(account.Jailed, Is.True, context);
            Assert.That(account.SlashedTotal, Is.EqualTo((ulong)ChainSimulation.GenesisStake / 10), $"slashed once, 10% of its stake, {context}");
            Assert.That(account.Stake, Is.EqualTo((ulong)ChainSimulation.GenesisStake - account.SlashedTotal), context);
            Assert.That(chain.GetValidatorSet(chain.Status.Height + 1)!.Find(byzantine), Is.Null, $"out of the set {context}");
            Assert.That(chain.Supply.Burned, Is.EqualTo(account.SlashedTotal), context);
            Assert.That(chain.Supply.Total, Is.EqualTo(chain.GenesisSupply), context);
            var info = chain.GetValidators().Single(v => v.PeerId == byzantine);
            Assert.That((info.Jailed, info.Power), Is.EqualTo((true, 0L)), context);
        }
        // The chain went on after the jailing, decided by the three honest validators alone.
        var jailedAt = honestChains[0].GetAccount(byzantine).SlashedHeight;
        Assert.That(common, Is.GreaterThan(jailedAt), "blocks after the jailing");
    }
}
