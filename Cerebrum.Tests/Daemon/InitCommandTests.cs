using System.Runtime.Versioning;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Configuration;
using DataDirectory = Cerebrum.Core.Operator.DataDirectory;

namespace Cerebrum.Tests.Daemon;

[TestFixture]
public sealed class InitCommandTests
{
    [Test]
    public async Task Init_CreatesKeyAndConfigAndPrintsThePeerId()
    {
        using var directory = TemporaryDirectory.Create();
        var dataDir = System.IO.Path.Combine(directory.Path, "node");
        var (exitCode, stdout, _) = await RunAsync("init", "--data-dir", dataDir);

        Assert.That(exitCode, Is.Zero);
        var data = new DataDirectory(dataDir);
        using var key = KeyFile.Load(data.KeyPath);
        Assert.That(stdout, Does.Contain($"peer id {key.PeerId}"));
        Assert.That(stdout, Does.Contain($"data dir {dataDir}"));
        Assert.That(key.Type, Is.EqualTo(KeyType.Secp256k1));
        var options = DaemonConfiguration.Load(DataDirectoryConfiguration.Build(data), new CommandLineOverrides());
        Assert.That(options.Network.ListenAddresses, Does.Contain("/ip4/0.0.0.0/tcp/4001"));
        Assert.That(options.Admin.Port, Is.Zero);
    }

    [Test]
    [Platform(Exclude = "Win")]
    [UnsupportedOSPlatform("windows")]
    public async Task Init_MakesTheDataDirectoryOwnerOnly()
    {
        using var directory = TemporaryDirectory.Create();
        var dataDir = System.IO.Path.Combine(directory.Path, "node");
        await RunAsync("init", "--data-dir", dataDir);

        Assert.That(File.GetUnixFileMode(dataDir), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public async Task InitTwice_LeavesKeyAndConfigUntouchedAndSaysSo()
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        var (_, firstOutput, _) = await RunAsync("init", "--data-dir", data.Root);
        var keyBefore = File.ReadAllBytes(data.KeyPath);
        File.WriteAllText(data.ConfigPath, """{ "Admin": { "Port": 5099 } }""");

        var (exitCode, secondOutput, _) = await RunAsync("init", "--data-dir", data.Root);

        Assert.That(exitCode, Is.Zero);
        Assert.That(File.ReadAllBytes(data.KeyPath), Is.EqualTo(keyBefore));
        Assert.That(File.ReadAllText(data.ConfigPath), Does.Contain("5099"));
        Assert.That(secondOutput, Does.Contain("already exists; left untouched"));
        var peerLine = firstOutput.Split('\n').Single(line => line.StartsWith("peer id ", StringComparison.Ordinal));
        Assert.That(secondOutput, Does.Contain(peerLine.Trim()));
    }

    [Test]
    public async Task Run_WithoutAKey_TellsToRunInit()
    {
        using var directory = TemporaryDirectory.Create();
        var (exitCode, stdout, stderr) = await RunAsync("run", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.Contain("no identity key").And.Contain("cerebrumd init"));
    }

    [Test]
    [Platform(Exclude = "Win")]
    [UnsupportedOSPlatform("windows")]
    public async Task Run_WithAnExposedKey_Refuses()
    {
        using var directory = TemporaryDirectory.Create();
        var data = new DataDirectory(directory.Path);
        await RunAsync("init", "--data-dir", data.Root);
        File.SetUnixFileMode(data.KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var (exitCode, _, stderr) = await RunAsync("run", "--data-dir", data.Root, "--listen", "/ip4/127.0.0.1/tcp/0");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: ").And.Contain("chmod 600"));
    }

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var exitCode = await CerebrumdCommandLine.RunAsync(args, stdout, stderr, timeout.Token).WaitAsync(TimeSpan.FromSeconds(30));
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
