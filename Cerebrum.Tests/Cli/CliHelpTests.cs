using System.CommandLine;
using Cerebrum.Cli;

namespace Cerebrum.Tests.Cli;

[TestFixture]
public sealed class CliHelpTests
{
    private static readonly string[][] Commands =
    [
        ["status"],
        ["net"],
        ["net", "peers"],
        ["net", "connect"],
        ["net", "ping"],
        ["net", "identify"],
        ["net", "perf"],
        ["model"],
        ["model", "add"],
        ["model", "list"],
        ["model", "remove"],
        ["model", "register"],
        ["infer"],
        ["embed"],
        ["chain"],
        ["chain", "status"],
        ["chain", "block"],
        ["chain", "validators"],
        ["account"],
        ["account", "show"],
        ["tx"],
        ["tx", "transfer"],
        ["tx", "stake"],
        ["tx", "unjail"],
        ["tx", "status"],
        ["chain", "supply"],
        ["channel"],
        ["channel", "open"],
        ["channel", "list"],
        ["channel", "topup"],
        ["channel", "close"],
        ["channel", "claim"],
        ["lease"],
        ["lease", "open"],
        ["lease", "list"],
        ["lease", "close"],
        ["market"],
        ["market", "offers"],
        ["job"],
        ["job", "submit"],
        ["job", "list"],
        ["job", "status"],
        ["job", "cancel"],
    ];

    [Test]
    public async Task RootHelp_ListsEveryTopLevelCommand()
    {
        var (exitCode, stdout, _) = await RunAsync("--help");

        Assert.That(exitCode, Is.Zero);
        Assert.That(stdout, Does.Contain("status").And.Contain("net"));
    }

    [Test]
    public async Task NetHelp_ListsEveryNetCommand()
    {
        var (_, stdout, _) = await RunAsync("net", "--help");

        foreach (var name in new[] { "peers", "connect", "ping", "identify", "perf" })
            Assert.That(stdout, Does.Contain($"  {name}"), name);
    }

    [TestCaseSource(nameof(Commands))]
    public async Task EveryCommandHelp_Succeeds(string[] path)
    {
        var (exitCode, stdout, stderr) = await RunAsync([.. path, "--help"]);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("Usage:").And.Contain(string.Join(' ', path)));
    }

    [Test]
    public void EveryCommandOptionAndArgument_HasADescription()
    {
        var missing = new List<string>();
        Visit(CerebrumCommandLine.CreateRootCommand(), "cerebrum");
        Visit(Cerebrum.Daemon.CommandLine.CerebrumdCommandLine.CreateRootCommand(), "cerebrumd");

        Assert.That(missing, Is.Empty);

        void Visit(Command command, string path)
        {
            if (string.IsNullOrWhiteSpace(command.Description)) missing.Add(path);
            foreach (var option in command.Options)
                if (string.IsNullOrWhiteSpace(option.Description)) missing.Add($"{path} {option.Name}");
            foreach (var argument in command.Arguments)
                if (string.IsNullOrWhiteSpace(argument.Description)) missing.Add($"{path} <{argument.Name}>");
            foreach (var child in command.Subcommands)
                Visit(child, $"{path} {child.Name}");
        }
    }

    [TestCase("net", "ping", "/ip4/127.0.0.1/tcp/1", "--count", "abc")]
    [TestCase("net", "ping", "/ip4/127.0.0.1/tcp/1", "--timeout", "soon")]
    [TestCase("net", "perf", "/ip4/127.0.0.1/tcp/1", "--streams", "many")]
    [TestCase("pubsub", "sub", "--peer", "/ip4/127.0.0.1/tcp/1", "t", "--count", "x")]
    public async Task ANumberOptionThatIsNotANumber_GetsTheParsersErrorNotACrash(params string[] args)
    {
        var (exitCode, _, stderr) = await RunAsync(args);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("Cannot parse argument").And.Not.Contain("Exception"));
    }

    [Test]
    public async Task PingHelp_DocumentsCountAndItsDefault()
    {
        var (_, stdout, _) = await RunAsync("net", "ping", "--help");

        Assert.That(stdout, Does.Contain("--count").And.Contain("[default: 4]").And.Contain("MULTIADDR"));
    }

    [Test]
    public async Task PerfWithoutSizes_IsAUsageError()
    {
        var (exitCode, _, stderr) = await RunAsync("net", "perf", "/ip4/127.0.0.1/tcp/1");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("--upload"));
    }

    internal static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await CerebrumCommandLine.RunAsync(args, stdout, stderr).WaitAsync(TimeSpan.FromSeconds(60));
        return (exitCode, stdout.ToString(), stderr.ToString());
    }
}
