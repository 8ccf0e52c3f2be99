using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Cli;

/// <summary>Mistakes on the command line are one clear <c>error: …</c> line, and values are taken as given.</summary>
[TestFixture]
public sealed class CommandLineErrorTests
{
    private const string OtherAccount = "16Uiu2HAmLjEVfTahzvBj2ZqbGhDV4pK4yGrbMSR5mc9xHrU6W2cW";

    [TestCase("-5")]
    [TestCase("1.5")]
    [TestCase("lots")]
    [TestCase("0")]
    [TestCase("18446744073709551616")]
    public async Task ABadAmount_IsOneLineSayingWhatAnAmountIs(string amount)
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", amount);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty, "no help page");
        Assert.That(stderr.TrimEnd(), Is.EqualTo($"error: --amount must be a whole number of micro-CER, 1 or more (1 CER = 1,000,000 micro-CER), not '{amount}'"));
    }

    [Test]
    public async Task ANegativeFee_IsOneLine_AndZeroIsAFee()
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("tx", "stake", "--amount", "5", "--fee", "-1");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd(), Is.EqualTo("error: --fee must be a whole number of micro-CER, 0 or more (1 CER = 1,000,000 micro-CER), not '-1'"));
    }

    [Test]
    public async Task AMissingRequiredOption_IsOneLine()
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--amount", "5");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(stderr, Does.StartWith("error: ").And.Contain("--to"));
    }

    [Test]
    public async Task AGroupWithoutItsSubcommand_StillShowsItsHelp()
    {
        var (exitCode, stdout, _) = await CliHelpTests.RunAsync("tx");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Does.Contain("transfer").And.Contain("stake"));
    }

    [Test]
    public async Task InputAtAMissingFile_NamesTheFile()
    {
        using var directory = TemporaryDirectory.Create();
        var missing = Path.Combine(directory.Path, "nope.json");

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("infer", "--peer", "/ip4/127.0.0.1/tcp/1", "--model", "m", "--input", "@" + missing);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr, Does.StartWith($"error: cannot read --input file {missing}"));
    }

    [Test]
    public async Task InputAtAFileOfBadJson_SaysWhatIsWrongWithTheJson()
    {
        using var directory = TemporaryDirectory.Create();
        var file = Path.Combine(directory.Path, "bad.json");
        File.WriteAllText(file, "{\n  \"inputs\": [ { \"name\": \"x\",\n");

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("infer", "--peer", "/ip4/127.0.0.1/tcp/1", "--model", "m", "--input", "@" + file);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(stderr, Does.StartWith("error: ").And.Not.Contain("invalid start of a property name"));
    }

    [TestCase("model", "list")]
    [TestCase("model", "remove", "x")]
    [TestCase("status")]
    [TestCase("gateway", "key", "list")]
    [TestCase("chain", "status")]
    public async Task AMissingDataDirectory_IsRefused_AndNotCreated(params string[] command)
    {
        using var directory = TemporaryDirectory.Create();
        var missing = Path.Combine(directory.Path, "nonexistent");

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync([.. command, "--data-dir", missing]);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd(), Is.EqualTo($"error: no data directory {missing}: create it with 'cerebrumd init --data-dir {missing}', or name another with --data-dir DIR (or $CEREBRUM_HOME)"));
        Assert.That(Directory.Exists(missing), Is.False);
    }

    [Test]
    public async Task ModelAdd_CreatesItsDataDirectory_OwnerOnly()
    {
        using var directory = TemporaryDirectory.Create();
        var fresh = Path.Combine(directory.Path, "fresh");

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("model", "add", "--builtin", "all-minilm-l6-v2", "--data-dir", fresh);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(File.Exists(Path.Combine(fresh, "cerebrum.db")), Is.True);
        if (!OperatingSystem.IsWindows())
            Assert.That(File.GetUnixFileMode(fresh), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
    }

    [Test]
    public async Task TheDevnetDirectoryOfTheReadme_IsIgnoredByGit()
    {
        // The README's ledger example writes .devnet/ in the repository; its keys must never be committed by accident.
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        Assert.That(readme, Does.Contain("--out .devnet"));

        var (exitCode, output) = await GitAsync("check-ignore", "-v", ".devnet/v0/identity.key", ".devnet/faucet.key");

        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2));
    }

    private static async Task<(int ExitCode, string Output)> GitAsync(params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = RepositoryRoot.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var git = System.Diagnostics.Process.Start(info)!;
        var stdout = git.StandardOutput.ReadToEndAsync();
        var stderr = git.StandardError.ReadToEndAsync();
        await git.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (git.ExitCode, await stdout + await stderr);
    }
}
