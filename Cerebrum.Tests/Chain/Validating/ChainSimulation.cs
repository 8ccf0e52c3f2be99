using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Validating;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.Consensus;

namespace Cerebrum.Tests.Chain.Validating;

/// <summary>
/// The consensus simulation (<see cref="SimulatedNetwork"/>: one thread, simulated clock, loss and delays before GST)
/// with every validator running the real chain: its own <see cref="ChainNode"/> on disk, blocks as values through
/// <see cref="ChainConsensusApplication"/>. Four secp256k1 validators of one genesis; faults as the simulation's.
/// </summary>
internal sealed class ChainSimulation : IDisposable
{
    public const long GenesisStake = 1_000_000;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "cerebrum-chainsim-" + Guid.NewGuid().ToString("N"));

    public ChainSimulation(int seed, SimulatedFault fault, ChainParams parameters, IReadOnlyList<PrivateKey>? users = null, long gstMs = 2_000)
    {
        Keys = [.. Enumerable.Range(0, 4).Select(i => (PrivateKey)Secp256k1PrivateKey.FromBytes(SHA256.HashData(Encoding.UTF8.GetBytes($"sim {seed} validator {i}"))))];
        Users = users ?? [];
        Genesis = new GenesisDocument
        {
            ChainId = ChainFixture.ChainId,
            GenesisTime = SimulatedNetwork.SimulationEpoch.AddSeconds(-1),
            Accounts = [.. Keys.Select(k => new GenesisAccount { PeerId = k.PeerId.ToString(), Balance = 1_000_000_000, Stake = GenesisStake }),
                .. Users.Select(u => new GenesisAccount { PeerId = u.PeerId.ToString(), Balance = 1_000_000_000, Stake = GenesisStake })],
            Validators = [.. Keys.Select(k => GenesisValidator.From(k.PublicKey, 10))],
            Params = parameters,
        };
        Chains = [.. Keys.Select((_, i) => ChainNode.Open(new ChainNodeOptions { DataDirectory = Path.Combine(_root, $"v{i}"), Genesis = Genesis }))];
        Network = new SimulatedNetwork(seed, fault, nodes: 4, gstMs: gstMs, keys: Keys,
            applications: (i, key) => new ChainConsensusApplication(Chains[i], key.PeerId), chainId: Genesis.ChainId);
    }

    public IReadOnlyList<PrivateKey> Keys { get; }

    public IReadOnlyList<PrivateKey> Users { get; }

    public GenesisDocument Genesis { get; }

    public IReadOnlyList<ChainNode> Chains { get; }

    public SimulatedNetwork Network { get; }

    public IEnumerable<ChainNode> HonestChains => Network.HonestNodes.Select(n => Chains[n.Index]);

    /// <summary>Submits a transaction to every validator's mempool (as gossip would), which must take it.</summary>
    public void SubmitEverywhere(byte[] transaction)
    {
        foreach (var chain in Chains)
            Assert.That(chain.SubmitTransaction(transaction).Error, Is.Null);
    }

    public void Dispose()
    {
        foreach (var chain in Chains) chain.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }
}
