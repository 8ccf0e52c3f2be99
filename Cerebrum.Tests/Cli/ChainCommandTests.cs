using Cerebrum.Cli.Chain;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.Cli;

/// <summary>
/// The ledger commands (<c>chain</c>, <c>account</c>, <c>tx</c>) against the admin contract: what they print, what
/// they sign, and the one-line errors for bad input. The same commands against real validator daemons are covered
/// end to end in <c>EndToEnd</c>.
/// </summary>
[TestFixture]
public sealed class ChainCommandTests
{
    private static readonly string OtherAccount = PrivateKeyPeer();

    private static string PrivateKeyPeer()
    {
        using var key = PrivateKey.Generate(KeyType.Secp256k1);
        return key.PeerId.ToString();
    }

    [Test]
    public void StatusText_HasAnExactHeightLineAndEveryValidator()
    {
        var text = ChainText.Status(new ChainStatusResponse("devnet", 12, "ab", DateTime.UnixEpoch, "cd", Syncing: true, 3,
            [new ChainValidatorResponse("16Uiu2HAmA", 10), new ChainValidatorResponse("16Uiu2HAmB", 30)], IsValidator: false));
        var lines = text.Split('\n');

        Assert.That(lines, Does.Contain("height 12"));
        Assert.That(lines, Does.Contain("chain-id devnet"));
        Assert.That(lines, Does.Contain("syncing yes"));
        Assert.That(lines, Does.Contain("validators 2 (total power 40)"));
        Assert.That(lines, Does.Contain("  16Uiu2HAmB power 30"));
        Assert.That(lines, Does.Contain("time 1970-01-01 00:00:00.000 UTC"));
    }

    [Test]
    public void BlockText_ListsTransactions()
    {
        var text = ChainText.Block(new ChainBlockResponse(5, "h5", "h4", DateTime.UnixEpoch, "16Uiu2HAmP", "root", [new ChainTransactionSummary("t1", "transfer", "16Uiu2HAmS", 3, 2)], 4));

        Assert.That(text.Split('\n'), Does.Contain("height 5").And.Contain("commit-signatures 4").And.Contain("  t1 transfer from 16Uiu2HAmS nonce 3 fee 2"));
    }

    [Test]
    public void ValidatorsText_ListsTheSetWithPowerAndStake_ThenTheJailedWithTheirSlashing()
    {
        var text = ChainText.Validators(new ChainValidatorsResponse(13, 40,
        [
            new ChainValidatorDetail("16Uiu2HAmA", 30, 10, 20_000, false, null, 0, 0),
            new ChainValidatorDetail("16Uiu2HAmB", 10, 10, 0, false, null, 0, 0),
            new ChainValidatorDetail("16Uiu2HAmC", 0, 10, 950_000, true, DateTime.UnixEpoch.AddDays(1), 50_000, 9),
        ]));
        var lines = text.Split('\n');

        Assert.That(lines, Does.Contain("height 13"));
        Assert.That(lines, Does.Contain("validators 2 (total power 40)"));
        Assert.That(lines, Does.Contain("  16Uiu2HAmA power 30 stake 20000"));
        Assert.That(lines, Does.Contain("jailed 1"));
        Assert.That(lines, Does.Contain("  16Uiu2HAmC until 1970-01-02 00:00:00.000 UTC stake 950000 slashed 50000 (last at height 9)"));
    }

    [Test]
    public void AccountText_SaysWhetherJailedAndWhatWasSlashed()
    {
        var free = ChainText.Account(new ChainAccountResponse("16Uiu2HAmA", 1, 0, 0, 5, 0, 0, null)).Split('\n');
        Assert.That(free, Does.Contain("jailed no").And.Contain("slashed 0").And.Contain("stake 5"));
        var jailed = ChainText.Account(new ChainAccountResponse("16Uiu2HAmC", 1, 0, 0, 950_000, 0, 0, null, Jailed: true,
            JailRelease: DateTime.UnixEpoch.AddDays(1), SlashedTotal: 50_000, SlashedHeight: 9)).Split('\n');
        Assert.That(jailed, Does.Contain("jailed yes (until 1970-01-02 00:00:00.000 UTC, then Unjail)").And.Contain("slashed 50000 (last at height 9)"));
    }

    [Test]
    public void BlockText_ListsItsEvidence()
    {
        var text = ChainText.Block(new ChainBlockResponse(9, "h9", "h8", DateTime.UnixEpoch, "16Uiu2HAmP", "root", [], 3,
            [new ChainEvidenceSummary("16Uiu2HAmC", 7, 1, "precommit")]));
        Assert.That(text.Split('\n'), Does.Contain("evidence 1").And.Contain("  16Uiu2HAmC signed two precommits at height 7 round 1"));
    }

    [Test]
    public async Task Validators_ThroughTheAdminApi_AsTextAndJson()
    {
        using var directory = TemporaryDirectory.Create();
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);

        var text = await CliHelpTests.RunAsync("chain", "validators", "--data-dir", directory.Path);
        Assert.That(text.ExitCode, Is.Zero, text.Stderr);
        Assert.That(text.Stdout.Split('\n', StringSplitOptions.TrimEntries), Does.Contain("height 13").And.Contain("jailed 1"));

        var json = await CliHelpTests.RunAsync("chain", "validators", "--json", "--data-dir", directory.Path);
        Assert.That(json.ExitCode, Is.Zero, json.Stderr);
        using var document = System.Text.Json.JsonDocument.Parse(json.Stdout);
        var validators = document.RootElement.GetProperty("validators");
        Assert.That(validators.GetArrayLength(), Is.EqualTo(2));
        Assert.That(validators[1].GetProperty("jailed").GetBoolean(), Is.True);
        Assert.That(validators[1].GetProperty("slashedTotal").GetUInt64(), Is.EqualTo(50_000UL));
    }

    [Test]
    public async Task Status_ThroughTheAdminApi_PrintsTheHeightLine()
    {
        using var directory = TemporaryDirectory.Create();
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("chain", "status", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.TrimEntries), Does.Contain("height 12").And.Contain("chain-id cerebrum-test"));
    }

    [Test]
    public async Task Transfer_SignsWithTheDataDirectorysKey_WithTheDaemonsChainIdAndNextNonce()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", "250", "--fee", "3", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(api.Received, Has.Count.EqualTo(1));
        var tx = api.Received[0];
        Assert.That(tx.Sender, Is.EqualTo(key.PeerId));
        Assert.That(tx.Body.ChainId, Is.EqualTo("cerebrum-test"));
        Assert.That(tx.Body.Nonce, Is.EqualTo(7));
        Assert.That(tx.Body.Fee, Is.EqualTo(3));
        Assert.That(tx.Body.BodyCase, Is.EqualTo(Transaction.BodyOneofCase.Transfer));
        Assert.That(tx.Body.Transfer.Amount, Is.EqualTo(250));
        Assert.That(PeerId.FromBytes(tx.Body.Transfer.To.Span).ToString(), Is.EqualTo(OtherAccount));
        Assert.That(stdout, Does.StartWith($"submitted {tx.HashHex}\n").And.Contain($"from {key.PeerId} nonce 7 fee 3"));
    }

    [Test]
    public async Task Stake_WithAnExplicitNonce_UsesIt()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "stake", "--amount", "1000000", "--nonce", "42", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(api.Received.Single().Body.Stake.Amount, Is.EqualTo(1_000_000));
        Assert.That(api.Received.Single().Body.Nonce, Is.EqualTo(42));
    }

    [Test]
    public async Task Unjail_SignsAnUnjailTransaction()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "unjail", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(api.Received.Single().Body.BodyCase, Is.EqualTo(Transaction.BodyOneofCase.Unjail));
        Assert.That(api.Received.Single().Sender, Is.EqualTo(key.PeerId));
    }

    [Test]
    public async Task Transfer_RefusedByTheDaemon_PrintsItsReasonAndCode()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);
        api.RejectWith = ChainErrorCode.InsufficientBalance;

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", "5", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd(), Is.EqualTo("error: refused by the test (InsufficientBalance)"));
    }

    [Test]
    public async Task Transfer_OnAnotherChain_IsRefusedBeforeSigning()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", "5", "--chain-id", "mainnet", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("--chain-id is 'mainnet' but the daemon").And.Contain("'cerebrum-test'"));
        Assert.That(api.Received, Is.Empty);
    }

    [TestCase("0", "--amount must be a whole number of micro-CER, 1 or more")]
    [TestCase("-5", "-5")]
    [TestCase("lots", "lots")]
    public async Task Transfer_WithABadAmount_FailsAtParsing(string amount, string expected)
    {
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", amount);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain(expected));
    }

    [Test]
    public async Task Transfer_ToAnInvalidAccount_SaysWhich()
    {
        using var directory = TemporaryDirectory.Create();

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", "not-a-peer", "--amount", "5", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: invalid --to account 'not-a-peer'"));
    }

    [Test]
    public async Task Transfer_WithoutAKey_SaysHowToCreateOne()
    {
        using var directory = TemporaryDirectory.Create();

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", "5", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: no identity key at").And.Contain("cerebrumd init --data-dir"));
    }

    [Test]
    public async Task TransferThroughAPeer_WithoutChainIdOrGenesis_SaysWhatIsMissing()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", "5", "--peer", "/ip4/127.0.0.1/tcp/1", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("with --peer the chain ID comes from --chain-id or"));
    }

    [Test]
    public async Task TransferThroughAPeer_TakesTheChainIdFromTheConfiguredGenesis_ThenNeedsANonce()
    {
        using var directory = TemporaryDirectory.Create();
        var validator = Directory.CreateDirectory(Path.Combine(directory.Path, "v0")).FullName;
        using var key = KeyFile.Create(Path.Combine(validator, "identity.key"));
        File.WriteAllText(Path.Combine(validator, "config.json"), """{ "Chain": { "Genesis": "../genesis.json" } }""");
        File.WriteAllText(Path.Combine(directory.Path, "genesis.json"), "{ not json");

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", "5", "--peer", "/ip4/127.0.0.1/tcp/1", "--data-dir", validator);

        // The configured file was found and read: its parse error is what is reported.
        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: cannot read the chain ID from").And.Contain(Path.Combine(directory.Path, "genesis.json")));
    }

    [Test]
    public async Task TransferThroughAPeer_WithoutNonceOrDaemon_AsksForTheNonce()
    {
        using var directory = TemporaryDirectory.Create();
        using var key = KeyFile.Create(Path.Combine(directory.Path, "identity.key"));

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("tx", "transfer", "--to", OtherAccount, "--amount", "5", "--peer", "/ip4/127.0.0.1/tcp/1", "--chain-id", "x", "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("give the account's nonce with --nonce"));
    }

    [Test]
    public async Task AccountShow_WithABadId_SaysWhy()
    {
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("account", "show", "nope");

        Assert.That(exitCode, Is.Not.Zero);
        Assert.That(stderr, Does.StartWith("error: invalid account ID 'nope'"));
    }

    [Test]
    public async Task AccountShow_PrintsBalanceAndNextNonce()
    {
        using var directory = TemporaryDirectory.Create();
        await using var api = await FakeChainAdminApi.StartAsync(directory.Path);

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("account", "show", OtherAccount, "--data-dir", directory.Path);

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout.Split('\n', StringSplitOptions.TrimEntries), Does.Contain($"account {OtherAccount}").And.Contain("balance 1000").And.Contain("next-nonce 7"));
    }
}
