using Cerebrum.Core.Crypto;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Cli;

/// <summary><c>cerebrum node register</c> against the admin contract: the RegisterNode it signs, its measured default claim, bad input.</summary>
[TestFixture]
public sealed class NodeCommandTests
{
    private static readonly string Model = "sha256:" + new string('a', 64);

    [Test]
    public async Task Register_SignsTheStakeAndTheClaimGiven()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("node", "register", "--stake", "5000", "--region", "eu-west", "--hardware", "NVIDIA RTX 4090",
            "--claimed-mflops", "80000000", "--gpu", "--model", Model, "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.StartWith("submitted "));
        var tx = api.Received.Single();
        Assert.That(tx.Sender, Is.EqualTo(key.PeerId));
        var register = tx.Body.RegisterNode;
        Assert.That(register.Stake, Is.EqualTo(5000));
        Assert.That(register.Region, Is.EqualTo("eu-west"));
        Assert.That(register.Hardware, Is.EqualTo("NVIDIA RTX 4090"));
        Assert.That(register.ClaimedMflops, Is.EqualTo(80_000_000));
        Assert.That(register.Gpu, Is.True);
        Assert.That(register.ModelHashes, Is.EqualTo(new[] { Model }));
    }

    [Test]
    public async Task Register_WithoutAClaim_MeasuresThisMachine_AndClaimsTheProbedCpu()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("node", "register", "--stake", "5000", "--region", "eu-west", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Zero, stderr);
        var register = api.Received.Single().Body.RegisterNode;
        Assert.That(stdout, Does.StartWith($"measured {register.ClaimedMflops} MFLOPS on challenge models (CPU); claiming that\n"));
        Assert.That(register.ClaimedMflops, Is.GreaterThan(10), "a real measurement of this CPU");
        Assert.That(register.Gpu, Is.False);
        Assert.That(register.Hardware, Is.Not.Empty);
    }

    [TestCase("--stake", "0", "--stake must be a positive whole number of micro-CER")]
    [TestCase("--claimed-mflops", "0", "--claimed-mflops must be positive")]
    public async Task Register_RefusesZeros(string option, string value, string message)
    {
        using var directory = TemporaryDirectory.Create();
        string[] args = option == "--stake"
            ? ["node", "register", "--stake", value, "--region", "eu", "--data-dir", directory.Path]
            : ["node", "register", "--stake", "1", "--region", "eu", option, value, "--data-dir", directory.Path];

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync(args);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain(message));
    }

    [Test]
    public async Task Register_WithoutStakeOrRegion_SaysWhatIsMissing()
    {
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("node", "register", "--region", "eu");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("--stake"));
    }
}
