using Cerebrum.Core.Crypto;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Cli;

/// <summary>The channel and market commands against a real one-validator devnet daemon that pays a node.</summary>
[TestFixture]
public sealed class ChannelCommandEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Test]
    public async Task A_channel_is_opened_listed_topped_up_and_closed_with_amounts_in_micro_CER()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var (data, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cts.Token);
        using var faucetKey = faucet;
        await using var daemon = await TestDaemon.StartAsync(cts.Token, dataDirectory: data);
        using var node = PrivateKey.Generate(KeyType.Secp256k1);

        var open = await CliHelpTests.RunAsync("channel", "open", "--node", node.PeerId.ToString(), "--amount", "25000", "--data-dir", data);
        Assert.That(open.ExitCode, Is.Zero, open.Stderr);
        Assert.That(open.Stdout, Does.Match($"^channel [0-9a-f]{{64}} open to {node.PeerId}, deposit 25000 micro-CER\n$"));
        var id = open.Stdout.Split(' ')[1];

        var topUp = await CliHelpTests.RunAsync("channel", "topup", id, "--amount", "5000", "--data-dir", data);
        Assert.That(topUp.Stdout, Is.EqualTo($"channel {id} topped up by 5000 micro-CER\n"), topUp.Stderr);
        var list = await CliHelpTests.RunAsync("channel", "list", "--data-dir", data);
        Assert.That(list.Stdout, Does.Contain(id).And.Contain("payer").And.Contain("30000").And.Contain("open"), list.Stderr);
        var json = await CliHelpTests.RunAsync("channel", "list", "--json", "--data-dir", data);
        Assert.That(json.Stdout, Does.Contain("\"deposit\": 30000").And.Contain("\"claimed\": 0").And.Contain("\"state\": \"open\""));

        var close = await CliHelpTests.RunAsync("channel", "close", id, "--data-dir", data);
        Assert.That(close.ExitCode, Is.Zero, close.Stderr);
        Assert.That(close.Stdout, Does.StartWith($"channel {id} closing: the node may claim until "));
        var closed = await CliHelpTests.RunAsync("channel", "list", "--data-dir", data);
        Assert.That(closed.Stdout, Does.Contain("closing"));
        var again = await CliHelpTests.RunAsync("channel", "close", id, "--data-dir", data);
        Assert.That(again.ExitCode, Is.Not.Zero);
        Assert.That(again.Stderr, Does.Contain("(ChannelClosing)"));

        var claim = await CliHelpTests.RunAsync("channel", "claim", "--data-dir", data);
        Assert.That(claim.Stdout, Is.EqualTo("nothing to claim\n"), claim.Stderr);
        var offers = await CliHelpTests.RunAsync("market", "offers", "--data-dir", data);
        Assert.That(offers.Stdout, Is.EqualTo("no offers heard\n"), offers.Stderr);
        var lease = await CliHelpTests.RunAsync("lease", "open", "--node", node.PeerId.ToString(), "--hours", "1", "--data-dir", data);
        Assert.That(lease.ExitCode, Is.Not.Zero);
        Assert.That(lease.Stderr, Does.Contain("maxPricePerHour"));
        var badAmount = await CliHelpTests.RunAsync("channel", "open", "--node", node.PeerId.ToString(), "--amount", "-5", "--data-dir", data);
        Assert.That(badAmount.Stderr, Does.Contain("--amount must be a whole number of micro-CER"));
    }
}
