using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Configuration;
using DataDirectory = Cerebrum.Core.Operator.DataDirectory;

namespace Cerebrum.Tests.Daemon;

/// <summary><c>cerebrumd init --devnet N --out DIR</c>: N validator directories that form one network with no other flags.</summary>
[TestFixture]
public sealed class DevnetInitTests
{
    [Test]
    public async Task WritesNValidatorDirectories_EachNamingTheOthers_AndOneGenesis()
    {
        using var directory = TemporaryDirectory.Create();
        var root = Path.Combine(directory.Path, "devnet");
        var (exitCode, stdout, stderr) = await InitCommandTests.RunAsync("init", "--devnet", "3", "--out", root, "--base-port", "31500");
        Assert.That(exitCode, Is.Zero, stderr);

        var genesis = GenesisDocument.Load(Path.Combine(root, "genesis.json"));
        Assert.DoesNotThrow(genesis.Validate);
        using var faucet = KeyFile.Load(Path.Combine(root, "faucet.key"));
        Assert.That(genesis.Accounts.Select(a => a.PeerId), Does.Contain(faucet.PeerId.ToString()));
        var peers = new List<PeerId>();
        for (var k = 0; k < 3; k++)
        {
            var data = new DataDirectory(Path.Combine(root, "v" + k));
            using var key = KeyFile.Load(data.KeyPath);
            peers.Add(key.PeerId);
            var options = DaemonConfiguration.Load(DataDirectoryConfiguration.Build(data), new CommandLineOverrides());
            Assert.That(options.Modes, Is.EqualTo(new[] { "validator" }));
            Assert.That(options.Network.ListenAddresses, Is.EqualTo(new[] { $"/ip4/127.0.0.1/tcp/{31500 + k}" }));
            Assert.That(options.Network.BootstrapPeers, Has.Count.EqualTo(2));
            Assert.That(options.Network.BootstrapPeers, Has.None.Contains(key.PeerId.ToString()), "not itself");
            Assert.That(options.ResolveGenesisPath(data), Is.EqualTo(Path.Combine(root, "genesis.json")));
            Assert.That(genesis.Accounts.Single(a => a.PeerId == key.PeerId.ToString()).Balance, Is.EqualTo(DevnetInitializer.StartingBalance));
            Assert.That(stdout, Does.Contain(key.PeerId.ToString()));
        }
        Assert.That(genesis.Validators.Select(v => v.DecodePublicKey().ToPeerId()), Is.EquivalentTo(peers));
        for (var k = 0; k < 3; k++)
        {
            var options = DaemonConfiguration.Load(DataDirectoryConfiguration.Build(new DataDirectory(Path.Combine(root, "v" + k))), new CommandLineOverrides());
            foreach (var other in peers.Where((_, i) => i != k))
                Assert.That(options.Network.BootstrapPeers, Has.One.EndsWith("/p2p/" + other));
        }
    }

    [Test]
    public async Task RefusesToOverwriteAnExistingDevnet()
    {
        using var directory = TemporaryDirectory.Create();
        var root = Path.Combine(directory.Path, "devnet");
        Assert.That((await InitCommandTests.RunAsync("init", "--devnet", "2", "--out", root)).ExitCode, Is.Zero);
        var keyBefore = File.ReadAllBytes(Path.Combine(root, "v0", KeyFile.FileName));

        var (exitCode, _, stderr) = await InitCommandTests.RunAsync("init", "--devnet", "2", "--out", root);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("already exists"));
        Assert.That(File.ReadAllBytes(Path.Combine(root, "v0", KeyFile.FileName)), Is.EqualTo(keyBefore));
    }

    [TestCase("--devnet", "0", "--out", "x", ExpectedResult = "error: --devnet N must be 1 to 100 validators, not 0")]
    [TestCase("--devnet", "101", "--out", "x", ExpectedResult = "error: --devnet N must be 1 to 100 validators, not 101")]
    [TestCase("--devnet", "2", ExpectedResult = "error: --devnet N needs --out DIR (where to write the validators' directories)")]
    [TestCase("--devnet", "2", "--out", "x", "--base-port", "65535", ExpectedResult = "error: ports 65535..65536 are not all TCP ports")]
    [TestCase("--devnet", "2", "--out", "x", "--base-port", "-1", ExpectedResult = "error: ports -1..0 are not all TCP ports")]
    [TestCase("--devnet", "1", "--out", "x", "--fund", "nowhere", ExpectedResult = "error: --fund nowhere: neither a peer ID nor a data directory with an identity key (x/identity.key is missing; cerebrumd init --data-dir nowhere makes one)")]
    public async Task<string> BadArguments_AreOneClearErrorLine_AndWriteNothing(params string[] args)
    {
        using var directory = TemporaryDirectory.Create();
        var output = Path.Combine(directory.Path, "x");
        var (exitCode, stdout, stderr) = await InitCommandTests.RunAsync(["init", .. args.Select(a => a == "x" ? output : a == "nowhere" ? Path.Combine(directory.Path, a) : a)]);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(1));
            Assert.That(stdout, Is.Empty);
            Assert.That(Directory.Exists(output), Is.False, "nothing written");
        });
        return stderr.TrimEnd().Replace(Path.Combine(directory.Path, "nowhere", KeyFile.FileName), "x/identity.key", StringComparison.Ordinal)
            .Replace(Path.Combine(directory.Path, "nowhere"), "nowhere", StringComparison.Ordinal);
    }

    /// <summary>scripts/devnet's form: validators on free ports with no bootstrap list, and further accounts funded alike.</summary>
    [Test]
    public async Task BasePortZero_ListensOnFreePorts_AndFundedAccountsGetTheStartingBalance()
    {
        using var directory = TemporaryDirectory.Create();
        var node = Path.Combine(directory.Path, "node");
        Assert.That((await InitCommandTests.RunAsync("init", "--data-dir", node)).ExitCode, Is.Zero);
        using var nodeKey = KeyFile.Load(Path.Combine(node, KeyFile.FileName));
        using var other = PrivateKey.Generate(KeyType.Secp256k1);
        var root = Path.Combine(directory.Path, "devnet");

        var (exitCode, stdout, stderr) = await InitCommandTests.RunAsync("init", "--devnet", "2", "--out", root, "--base-port", "0",
            "--fund", node, "--fund", other.PeerId.ToString(), "--fund", node);

        Assert.That(exitCode, Is.Zero, stderr);
        var genesis = GenesisDocument.Load(Path.Combine(root, "genesis.json"));
        Assert.That(genesis.Accounts, Has.Count.EqualTo(2 + 1 + 2), "two validators, the faucet, and each funded account once");
        foreach (var funded in new[] { nodeKey.PeerId, other.PeerId })
        {
            Assert.That(genesis.Accounts.Single(a => a.PeerId == funded.ToString()).Balance, Is.EqualTo(DevnetInitializer.StartingBalance));
            Assert.That(stdout, Does.Contain($"funded {funded} ({DevnetInitializer.StartingBalance} micro-CER)"));
        }
        for (var k = 0; k < 2; k++)
        {
            var options = DaemonConfiguration.Load(DataDirectoryConfiguration.Build(new DataDirectory(Path.Combine(root, "v" + k))), new CommandLineOverrides());
            Assert.That(options.Network.ListenAddresses, Is.EqualTo(new[] { "/ip4/127.0.0.1/tcp/0" }));
            Assert.That(options.Network.BootstrapPeers, Is.Empty, "on free ports nobody knows another's address in advance");
        }
    }
}
