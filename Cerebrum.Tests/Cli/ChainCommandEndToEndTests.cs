using Cerebrum.Daemon.CommandLine;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Cli;

/// <summary>The ledger commands against a real one-validator devnet daemon: status, a transfer, its effect, a replay refused.</summary>
[TestFixture]
public sealed class ChainCommandEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Transfer_IsFinalized_AndTheCommandsShowIt()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var (data, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cts.Token);
        using var faucetKey = faucet;
        await using var daemon = await TestDaemon.StartAsync(cts.Token, dataDirectory: data);

        var status = await PollAsync(() => CliHelpTests.RunAsync("chain", "status", "--data-dir", data),
            run => run.ExitCode == 0 && HeightOf(run.Stdout) >= 1);
        Assert.That(Lines(status.Stdout), Does.Contain($"chain-id {DevnetInitializer.ChainId}").And.Contain("validator this daemon is in the validator set"));
        Assert.That(Lines(status.Stdout), Does.Contain($"{daemon.PeerId} power {DevnetInitializer.ValidatorPower}"));

        var transfer = await CliHelpTests.RunAsync("tx", "transfer", "--to", faucet.PeerId.ToString(), "--amount", "12345", "--fee", "2", "--data-dir", data);
        Assert.That(transfer.ExitCode, Is.Zero, transfer.Stderr);
        Assert.That(transfer.Stdout, Does.Match("^submitted [0-9a-f]{64}\n"));
        Assert.That(transfer.Stdout, Does.Contain($"from {daemon.PeerId} nonce 0 fee 2"));

        var expected = DevnetInitializer.StartingBalance + 12_345;
        var account = await PollAsync(() => CliHelpTests.RunAsync("account", "show", faucet.PeerId.ToString(), "--data-dir", data),
            run => run.ExitCode == 0 && Lines(run.Stdout).Contains($"balance {expected}"));
        Assert.That(Lines(account.Stdout), Does.Contain($"account {faucet.PeerId}"));

        var sender = await CliHelpTests.RunAsync("account", "show", daemon.PeerId.ToString(), "--data-dir", data);
        Assert.That(Lines(sender.Stdout), Does.Contain("nonce 1").And.Contain("next-nonce 1").And.Contain("jailed no").And.Contain("slashed 0"));

        var validators = await CliHelpTests.RunAsync("chain", "validators", "--data-dir", data);
        Assert.That(validators.ExitCode, Is.Zero, validators.Stderr);
        Assert.That(Lines(validators.Stdout), Does.Contain($"validators 1 (total power {DevnetInitializer.ValidatorPower})").And.Contain("jailed 0"));
        Assert.That(Lines(validators.Stdout).Any(l => l.StartsWith($"{daemon.PeerId} power {DevnetInitializer.ValidatorPower} stake ", StringComparison.Ordinal)), Is.True, validators.Stdout);

        var replay = await CliHelpTests.RunAsync("tx", "transfer", "--to", faucet.PeerId.ToString(), "--amount", "1", "--nonce", "0", "--data-dir", data);
        Assert.That(replay.ExitCode, Is.Not.Zero);
        Assert.That(replay.Stderr, Does.StartWith("error: ").And.Contain("(WrongNonce)"));

        var block = await CliHelpTests.RunAsync("chain", "block", "1", "--data-dir", data);
        Assert.That(block.ExitCode, Is.Zero, block.Stderr);
        Assert.That(Lines(block.Stdout), Does.Contain("height 1").And.Contain($"proposer {daemon.PeerId}"));
        var beyond = await CliHelpTests.RunAsync("chain", "block", "999999", "--data-dir", data);
        Assert.That(beyond.ExitCode, Is.Not.Zero);
        Assert.That(beyond.Stderr, Does.StartWith("error: no block at height 999999"));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.TrimEntries);

    private static ulong HeightOf(string stdout) =>
        Lines(stdout).FirstOrDefault(l => l.StartsWith("height ", StringComparison.Ordinal)) is { } line ? ulong.Parse(line[7..], System.Globalization.CultureInfo.InvariantCulture) : 0;

    private static Task<(int ExitCode, string Stdout, string Stderr)> PollAsync(Func<Task<(int ExitCode, string Stdout, string Stderr)>> run, Func<(int ExitCode, string Stdout, string Stderr), bool> done) =>
        Poll.UntilAsync(run, done, Timeout, result => $"output: {result.Stdout}{result.Stderr}");
}
