using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Blocks;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.Consensus;

namespace Cerebrum.Tests.Chain.Validating;

/// <summary>
/// Issue 13 item 1, performed: a validator whose clock runs ten days ahead proposes blocks with far-future times. Under
/// proposer-based timestamps the others prevote nil on them, so none is committed, the chain goes on with honest
/// blocks, and an unstake waits its whole unbonding delay instead of being released by a far-future block.
/// </summary>
[TestFixture]
public sealed class ProposerBasedTimeChainTests
{
    [TestCase(11)]
    [TestCase(12)]
    public void AFarFutureProposerGetsNoBlockCommitted_AndUnstakesWaitTheirDelay(int seed)
    {
        using var alice = Secp256k1PrivateKey.FromBytes(System.Security.Cryptography.SHA256.HashData("alice"u8));
        using var sim = new ChainSimulation(seed, SimulatedFault.FarFutureClock,
            new ChainParams { UnbondingDelay = TimeSpan.FromHours(1), MinFee = 1, StakePerPower = 1_000_000 }, users: [alice]);
        sim.SubmitEverywhere(Txs.Unstake(alice, 0, 400_000, fee: 10));
        var network = sim.Network;
        network.Run(network.GstMs + 8_000);

        var faulty = sim.Keys[network.Faulty.Single()].PeerId;
        var simulatedNow = network.Clock;
        var heights = sim.HonestChains.Select(c => c.Status.Height).ToList();
        Assert.That(heights.Min(), Is.GreaterThanOrEqualTo(5UL), "the honest validators kept deciding");
        var reference = sim.HonestChains.First();
        var proposedByFaulty = 0;
        for (var height = 1UL; height <= heights.Min(); height++)
        {
            var block = reference.GetBlock(height)!;
            var time = BlockTime.ToDateTimeOffset(block.Block.Header.TimeUnixMs);
            Assert.That(time, Is.LessThanOrEqualTo(simulatedNow + sim.Genesis.Params.Precision), $"block {height} is not in the future");
            if (Core.Crypto.PeerId.FromBytes(block.Block.Header.Proposer.Span) == faulty) proposedByFaulty++;
            foreach (var chain in sim.HonestChains)
                Assert.That(chain.GetBlock(height)!.Hash, Is.EqualTo(block.Hash), $"block {height} is the same everywhere");
        }
        Assert.That(proposedByFaulty, Is.Zero, "no far-future proposal was committed");
        foreach (var chain in sim.HonestChains)
        {
            var unbonding = chain.GetUnbonding(alice.PeerId);
            Assert.That(unbonding?.Amount, Is.EqualTo(400_000UL), "the unstake is still unbonding");
            Assert.That(BlockTime.ToDateTimeOffset(unbonding!.ReleaseTimeUnixMs), Is.GreaterThan(simulatedNow + TimeSpan.FromMinutes(59)));
            Assert.That(chain.GetAccount(alice.PeerId).Stake, Is.EqualTo((ulong)ChainSimulation.GenesisStake - 400_000));
        }
    }
}
