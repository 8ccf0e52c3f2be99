using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Cli;

/// <summary>
/// A transaction's fate against a real one-validator devnet: <c>--wait</c> prints its height or the ledger's rejection,
/// <c>tx status</c> tells it later, a peer is never handed a transaction the local ledger refuses, and <c>--key</c>
/// spends from the devnet's faucet.
/// </summary>
[TestFixture]
public sealed class TransactionOutcomeEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private CancellationTokenSource _cts = null!;
    private TemporaryDirectory _directory = null!;
    private PrivateKey _faucet = null!;
    private TestDaemon _daemon = null!;
    private string _data = null!;

    [OneTimeSetUp]
    public async Task StartDevnet()
    {
        _cts = new CancellationTokenSource(Timeout * 3);
        _directory = TemporaryDirectory.Create();
        (_data, _faucet) = await OneValidatorDevnet.CreateAsync(_directory.Path, _cts.Token);
        _daemon = await TestDaemon.StartAsync(_cts.Token, dataDirectory: _data);
    }

    [OneTimeTearDown]
    public async Task StopDevnet()
    {
        await _daemon.DisposeAsync();
        _faucet.Dispose();
        _directory.Dispose();
        _cts.Dispose();
    }

    private string FaucetKeyPath => Path.Combine(Path.GetDirectoryName(_data)!, DevnetInitializer.FaucetKeyFileName);

    [Test]
    public async Task Wait_PrintsTheBlockHeight_AndStatusTellsTheSameLater()
    {
        using var recipient = PrivateKey.Generate(KeyType.Secp256k1);

        var sent = await RunAsync("tx", "transfer", "--to", recipient.PeerId.ToString(), "--amount", "7", "--data-dir", _data, "--wait");

        Assert.That(sent.ExitCode, Is.Zero, sent.Stderr);
        var lines = Lines(sent.Stdout);
        Assert.That(lines[0], Does.Match("^submitted [0-9a-f]{64}$"));
        Assert.That(lines[^1], Does.Match("^included at height [1-9][0-9]*$"));
        var hash = lines[0]["submitted ".Length..];
        var status = await RunAsync("tx", "status", hash, "--data-dir", _data);
        Assert.That(status.ExitCode, Is.Zero, status.Stderr);
        Assert.That(status.Stdout.TrimEnd(), Is.EqualTo(lines[^1]));
    }

    [Test]
    public async Task WithoutWait_SaysTheTransactionIsOnlyPending()
    {
        using var recipient = PrivateKey.Generate(KeyType.Secp256k1);

        var sent = await RunAsync("tx", "transfer", "--to", recipient.PeerId.ToString(), "--amount", "7", "--data-dir", _data);

        Assert.That(sent.ExitCode, Is.Zero, sent.Stderr);
        Assert.That(Lines(sent.Stdout)[^1], Does.StartWith("pending: not in a block yet; 'cerebrum tx status ").And.EndWith("(or pass --wait)"));
    }

    [Test]
    public async Task ThroughAPeer_AUsedNonce_IsRefusedWithItsCode_AndNotPublished()
    {
        // Once, this printed 'published …' and exited 0 while every peer dropped the transaction.
        using var recipient = PrivateKey.Generate(KeyType.Secp256k1);
        var first = await RunAsync("tx", "transfer", "--key", FaucetKeyPath, "--to", recipient.PeerId.ToString(), "--amount", "1", "--data-dir", _data, "--wait");
        Assert.That(first.ExitCode, Is.Zero, first.Stderr);
        var used = await FaucetNonceAsync() - 1;

        var replay = await RunAsync("tx", "transfer", "--key", FaucetKeyPath, "--peer", _daemon.ListenAddress, "--nonce", used.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--to", recipient.PeerId.ToString(), "--amount", "1", "--data-dir", _data);

        Assert.That(replay.ExitCode, Is.EqualTo(1));
        Assert.That(replay.Stdout, Is.Empty);
        Assert.That(replay.Stderr.TrimEnd(), Is.EqualTo($"error: nonce {used}, expected {used + 1} (WrongNonce)"));
    }

    [Test]
    public async Task ThroughAPeer_WithWait_IsPublishedThenIncluded()
    {
        using var recipient = PrivateKey.Generate(KeyType.Secp256k1);

        var sent = await RunAsync("tx", "transfer", "--key", FaucetKeyPath, "--peer", _daemon.ListenAddress, "--to", recipient.PeerId.ToString(), "--amount", "3",
            "--data-dir", _data, "--wait");

        Assert.That(sent.ExitCode, Is.Zero, sent.Stderr);
        var lines = Lines(sent.Stdout);
        Assert.That(lines[0], Does.Match($"^published [0-9a-f]{{64}} through {_daemon.PeerId}$"));
        Assert.That(lines[^1], Does.Match("^included at height [1-9][0-9]*$"));
    }

    [Test]
    public async Task TheFaucetKey_FundsANewAccount()
    {
        using var recipient = PrivateKey.Generate(KeyType.Secp256k1);

        var sent = await RunAsync("tx", "transfer", "--key", FaucetKeyPath, "--to", recipient.PeerId.ToString(), "--amount", "1000000", "--data-dir", _data, "--wait");

        Assert.That(sent.ExitCode, Is.Zero, sent.Stderr);
        Assert.That(sent.Stdout, Does.Contain($"from {_faucet.PeerId} nonce "));
        var account = await RunAsync("account", "show", recipient.PeerId.ToString(), "--data-dir", _data);
        Assert.That(Lines(account.Stdout), Does.Contain("balance 1000000"));
    }

    [Test]
    public async Task Status_OfATransactionNeverSeen_IsUnknown_AndAMalformedHashIsRefused()
    {
        var unknown = await RunAsync("tx", "status", new string('a', 64), "--data-dir", _data);
        var malformed = await RunAsync("tx", "status", "xyz", "--data-dir", _data);

        Assert.That(unknown.ExitCode, Is.Zero, unknown.Stderr);
        Assert.That(unknown.Stdout, Does.StartWith("unknown: "));
        Assert.That(malformed.ExitCode, Is.EqualTo(1));
        Assert.That(malformed.Stderr.TrimEnd(), Is.EqualTo("error: 'xyz' is not a transaction hash (64 hex digits)"));
    }

    [Test]
    public async Task StatusJson_IsTheAdminApisRecord()
    {
        var status = await RunAsync("tx", "status", new string('b', 64), "--json", "--data-dir", _data);

        Assert.That(status.ExitCode, Is.Zero, status.Stderr);
        using var json = System.Text.Json.JsonDocument.Parse(status.Stdout);
        Assert.That(json.RootElement.GetProperty("hash").GetString(), Is.EqualTo(new string('b', 64)));
        Assert.That(json.RootElement.GetProperty("status").GetString(), Is.EqualTo("unknown"));
    }

    [Test]
    public async Task WaitThroughAPeer_WithoutALocalDaemon_IsRefusedBeforePublishing()
    {
        using var empty = TemporaryDirectory.Create();

        var sent = await RunAsync("tx", "transfer", "--key", FaucetKeyPath, "--peer", _daemon.ListenAddress, "--chain-id", DevnetInitializer.ChainId, "--nonce", "0",
            "--to", _daemon.PeerId.ToString(), "--amount", "1", "--data-dir", empty.Path, "--wait");

        Assert.That(sent.ExitCode, Is.EqualTo(1));
        Assert.That(sent.Stdout, Is.Empty);
        Assert.That(sent.Stderr, Does.StartWith($"error: --wait asks the daemon on {empty.Path} for the outcome, and none runs there"));
    }

    [Test]
    public async Task AMissingKeyFile_IsNamed()
    {
        var missing = Path.Combine(_directory.Path, "nope.key");

        var sent = await RunAsync("tx", "transfer", "--key", missing, "--to", _daemon.PeerId.ToString(), "--amount", "1", "--data-dir", _data);

        Assert.That(sent.ExitCode, Is.EqualTo(1));
        Assert.That(sent.Stderr.TrimEnd(), Is.EqualTo($"error: no key file at {missing}"));
    }

    private async Task<ulong> FaucetNonceAsync()
    {
        var account = await RunAsync("account", "show", _faucet.PeerId.ToString(), "--data-dir", _data);
        return ulong.Parse(Lines(account.Stdout).Single(l => l.StartsWith("nonce ", StringComparison.Ordinal))["nonce ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string[] Lines(string text) => text.TrimEnd().Split('\n', StringSplitOptions.TrimEntries);

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        await CliHelpTests.RunAsync(args).WaitAsync(Timeout, _cts.Token);
}
