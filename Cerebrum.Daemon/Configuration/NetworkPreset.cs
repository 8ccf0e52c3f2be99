namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// A named Cerebrum network (<c>Network:Preset</c>, <c>cerebrumd run --network NAME</c>): the seeds a daemon dials when
/// the operator names none, and the chain its genesis must belong to. The foundation publishes each public network's
/// seeds as /dnsaddr TXT records (docs/operators.md), so a preset names a domain, not addresses that would go stale.
/// </summary>
/// <param name="Name">What <c>--network</c> takes.</param>
/// <param name="BootstrapPeers">Seeds dialled when Network:BootstrapPeers and --bootstrap are empty.</param>
/// <param name="ChainId">The chain ID the genesis file must carry (a daemon with another genesis refuses to start).</param>
/// <param name="Description">One line for operators.</param>
public sealed record NetworkPreset(string Name, IReadOnlyList<string> BootstrapPeers, string ChainId, string Description)
{
    /// <summary>A local development network (<c>cerebrumd init --devnet N</c>): no public seeds; its validators bootstrap each other.</summary>
    public static NetworkPreset Devnet { get; } = new("devnet", [], CommandLine.DevnetInitializer.ChainId,
        "a local development network made by 'cerebrumd init --devnet N'; no public seeds");

    /// <summary>The foundation's public test network.</summary>
    public static NetworkPreset Testnet { get; } = new("testnet", ["/dnsaddr/testnet.cerebrum.network"], "cerebrum-testnet",
        "the foundation's public test network; seeds from the _dnsaddr.testnet.cerebrum.network TXT records");

    public static IReadOnlyList<NetworkPreset> All { get; } = [Devnet, Testnet];

    /// <summary>The preset called <paramref name="name"/>, or null.</summary>
    public static NetworkPreset? Find(string name) => All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));
}
