using Cerebrum.Daemon;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Tests.EndToEnd;

namespace Cerebrum.Tests.Daemon;

/// <summary>Network presets (<c>--network</c>, <c>Network:Preset</c>): seeds when none are given, and the genesis must be of the preset's chain.</summary>
[TestFixture]
[CancelAfter(60_000)]
public sealed class NetworkPresetTests
{
    [Test]
    public void A_preset_gives_its_seeds_when_none_are_configured_and_leaves_the_operators_own()
    {
        var testnet = Load("{}", new CommandLineOverrides { NetworkPreset = "testnet" });
        Assert.That(testnet.Network.Preset, Is.EqualTo("testnet"));
        Assert.That(testnet.Network.BootstrapPeers, Is.EqualTo(new[] { "/dnsaddr/testnet.cerebrum.network" }));

        const string own = "/ip4/198.51.100.7/tcp/4001/p2p/12D3KooWLc5qRm9SsbNCCYqmPzSS3hEJQRfCeLwcncn91nMTTXXk";
        var configured = Load($$"""{ "Network": { "Preset": "testnet", "BootstrapPeers": ["{{own}}"] } }""");
        Assert.That(configured.Network.BootstrapPeers, Is.EqualTo(new[] { own }));

        var devnet = Load("""{ "Network": { "Preset": "devnet" } }""");
        Assert.That(devnet.Network.BootstrapPeers, Is.Empty, "a devnet has no public seeds");
        Assert.That(Load("{}").Network.Preset, Is.Null);
    }

    [Test]
    public void An_unknown_preset_is_a_named_error_listing_the_known_ones()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Load("{}", new CommandLineOverrides { NetworkPreset = "mainnet-beta" }));
        Assert.That(error!.Errors, Has.Some.EqualTo("Network:Preset (--network): 'mainnet-beta' is not one of devnet, testnet"));
    }

    [Test]
    public async Task A_daemon_told_it_is_on_testnet_refuses_a_devnet_genesis()
    {
        using var root = TemporaryDirectory.Create();
        var devnet = Path.Combine(root.Path, "devnet");
        var (exit, stdout, stderr) = await ChainDevnet.RunCerebrumdAsync(["init", "--devnet", "1", "--out", devnet, "--base-port", "4001"]);
        Assert.That(exit, Is.Zero, stdout + stderr);

        (exit, _, stderr) = await ChainDevnet.RunCerebrumdAsync(["run", "--data-dir", Path.Combine(devnet, "v0"), "--network", "testnet", "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", "0"]);

        Assert.That(exit, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("is of chain 'cerebrum-devnet', not of network testnet's 'cerebrum-testnet'"));
    }

    private static DaemonOptions Load(string json, CommandLineOverrides? overrides = null)
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        File.WriteAllText(data.ConfigPath, json);
        return DaemonConfiguration.Load(DataDirectoryConfiguration.Build(data), overrides ?? new CommandLineOverrides());
    }
}
