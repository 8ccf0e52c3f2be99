using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Tests.Cli;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Operator;

/// <summary>One data-directory contract: the CLI finds what the daemon wrote, and reads its configuration the same way.</summary>
[TestFixture]
public sealed class DataDirectoryTests
{
    private const string OtherAccount = "16Uiu2HAmLjEVfTahzvBj2ZqbGhDV4pK4yGrbMSR5mc9xHrU6W2cW";

    [Test]
    public void Resolve_TakesARelativePathFromTheGivenWorkingDirectory()
    {
        var working = Path.Combine(Path.GetTempPath(), "somewhere");

        Assert.That(DataDirectory.Resolve(Path.Combine(".data", "node"), working).Root, Is.EqualTo(Path.Combine(working, ".data", "node")));
        Assert.That(DataDirectory.Resolve("/abs/dir", working).Root, Is.EqualTo(Path.GetFullPath("/abs/dir")));
    }

    [Test]
    public void TheFilesKeepTheirNames()
    {
        // Running daemons and scripts depend on these names.
        var directory = new DataDirectory("/d");
        Assert.That(new[] { directory.KeyPath, directory.ConfigPath, directory.DefaultGenesisPath, directory.AdminUrlPath, directory.CookiePath,
                directory.GatewayUrlPath, directory.LockPath, directory.ModelStorePath, directory.ChainStorePath, directory.GatewayKeyStorePath }
            .Select(Path.GetFileName),
            Is.EqualTo(new[] { "identity.key", "config.json", "genesis.json", "admin.url", ".cookie", "gateway.url", ".lock", "cerebrum.db", "chain.db", "gateway.db" }));
    }

    [Test]
    public async Task TheCli_FindsTheGenesisWhereTheDaemonDoes_FromTheEnvironmentToo()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));
        var genesis = Path.Combine(directory.Path, "elsewhere.json");
        File.WriteAllText(genesis, "{ not json");
        var data = new DataDirectory(directory.Path);
        Environment.SetEnvironmentVariable("CEREBRUM__Chain__Genesis", genesis);
        try
        {
            var daemonPath = DaemonConfiguration.Load(DataDirectoryConfiguration.Build(data), new CommandLineOverrides()).ResolveGenesisPath(data);

            var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", "5", "--peer", "/ip4/127.0.0.1/tcp/1", "--data-dir", directory.Path);

            Assert.That(daemonPath, Is.EqualTo(genesis));
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(stderr, Does.StartWith($"error: cannot read the chain ID from {genesis}"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CEREBRUM__Chain__Genesis", null);
        }
    }

    [Test]
    public async Task TheCli_RefusesAChainSectionTheDaemonWouldRefuse()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));
        File.WriteAllText(Path.Combine(directory.Path, "config.json"), """{ "Chain": { "Genisis": "../genesis.json" } }""");
        var data = new DataDirectory(directory.Path);

        var daemonError = Assert.Throws<InvalidConfigurationException>(() => DaemonConfiguration.Load(DataDirectoryConfiguration.Build(data), new CommandLineOverrides()));
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", "5", "--peer", "/ip4/127.0.0.1/tcp/1", "--data-dir", directory.Path);

        Assert.That(daemonError!.Errors.Single(), Does.Contain("Genisis"));
        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: cannot find the genesis file of").And.Contain("Genisis"));
    }
}
