using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Admin;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.Validator;
using Cerebrum.Tests.EndToEnd;
using Cerebrum.Tests.TestSupport;
using DataDirectory = Cerebrum.Core.Operator.DataDirectory;

namespace Cerebrum.Tests.Daemon;

/// <summary>The ledger in the daemon, in-process: off without a genesis, a one-validator devnet with the /chain admin API.</summary>
[TestFixture]
public sealed class ChainDaemonTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task WithoutAGenesis_TheDaemonRunsWithoutALedger_AndTheChainApiSaysWhy()
    {
        using var cts = new CancellationTokenSource(Timeout);
        await using var daemon = await TestDaemon.StartAsync(cts.Token);
        using var http = Client(daemon);

        using var status = await http.GetAsync(new Uri("chain/status", UriKind.Relative), cts.Token);
        Assert.That(status.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That((await status.Content.ReadFromJsonAsync<AdminError>(cts.Token))!.Error,
            Is.EqualTo("this daemon keeps no ledger: no genesis file (set Chain:Genesis or run init --devnet)"));
        using var block = await http.GetAsync(new Uri("chain/blocks/1", UriKind.Relative), cts.Token);
        Assert.That(block.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        var daemonStatus = await http.GetFromJsonAsync<JsonObject>("status", cts.Token);
        Assert.That(daemonStatus!["chain"], Is.Null);
    }

    [Test]
    public async Task ValidatorModeWithoutAGenesis_IsAStartUpError()
    {
        using var directory = TemporaryDirectory.Create();
        await InitCommandTests.RunAsync("init", "--data-dir", directory.Path);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exitCode = await CerebrumdCommandLine.RunAsync(["run", "--data-dir", directory.Path, "--mode", "validator"], stdout, stderr, CancellationToken.None);

        Assert.That(exitCode, Is.EqualTo(RunCommand.ExitConfigurationError));
        Assert.That(stderr.ToString(), Does.Contain("validator mode needs the network's genesis file"));
        var missing = await CerebrumdCommandLine.RunAsync(["run", "--data-dir", directory.Path, "--genesis", Path.Combine(directory.Path, "nope.json")], stdout, stderr, CancellationToken.None);
        Assert.That(missing, Is.EqualTo(RunCommand.ExitConfigurationError));
        Assert.That(stderr.ToString(), Does.Contain("Chain:Genesis: no genesis file at"));
    }

    [Test]
    public async Task AOneValidatorDevnet_FinalizesBlocks_AndServesTheChainApi()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var (data, faucet) = await OneValidatorDevnet.CreateAsync(directory.Path, cts.Token);
        using var faucetKey = faucet;

        await using var daemon = await TestDaemon.StartAsync(cts.Token, dataDirectory: data);
        using var http = Client(daemon);
        ChainStatusResponse? status = null;
        await PollAsync(async () => (status = await http.GetFromJsonAsync<ChainStatusResponse>("chain/status", cts.Token))!.Height >= 2);
        Assert.That(status!.ChainId, Is.EqualTo(DevnetInitializer.ChainId));
        Assert.That(status.IsValidator, Is.True);
        Assert.That(status.Validators.Select(v => v.PeerId), Is.EqualTo(new[] { daemon.PeerId.ToString() }));
        Assert.That(status.Hash, Does.Match("^[0-9a-f]{64}$"));
        Assert.That(status.Time.Kind, Is.EqualTo(DateTimeKind.Utc));

        var first = await http.GetFromJsonAsync<ChainBlockResponse>("chain/blocks/1", cts.Token);
        Assert.That(first!.Proposer, Is.EqualTo(daemon.PeerId.ToString()));
        Assert.That(first.CommitSignatures, Is.EqualTo(1));
        var second = await http.GetFromJsonAsync<ChainBlockResponse>("chain/blocks/2", cts.Token);
        Assert.That(second!.PreviousHash, Is.EqualTo(first.Hash));

        using var recipient = PrivateKey.Generate(KeyType.Secp256k1);
        using var submitted = await PostAsync(http, ChainDevnet.Transfer(faucet, recipient.PeerId, 777, nonce: 0), cts.Token);
        Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await submitted.Content.ReadAsStringAsync(cts.Token));
        var hash = (await submitted.Content.ReadFromJsonAsync<ChainSubmitResponse>(cts.Token))!.Hash;
        Assert.That(hash, Does.Match("^[0-9a-f]{64}$"));
        Assert.That((await http.GetFromJsonAsync<ChainAccountResponse>($"chain/accounts/{faucet.PeerId}", cts.Token))!.NextNonce, Is.EqualTo(1UL),
            "pending or applied, the next transaction takes nonce 1");
        await PollAsync(async () => (await http.GetFromJsonAsync<ChainAccountResponse>($"chain/accounts/{recipient.PeerId}", cts.Token))!.Balance == 777);
        var faucetAccount = await http.GetFromJsonAsync<ChainAccountResponse>($"chain/accounts/{faucet.PeerId}", cts.Token);
        Assert.That(faucetAccount!.Nonce, Is.EqualTo(1UL));
        // The transfer created the recipient's account: the creation fee is burned on top of amount and fee.
        Assert.That(faucetAccount.Balance, Is.EqualTo(DevnetInitializer.StartingBalance - 777 - 1 - new Core.Chain.ChainParams().AccountCreationFee));
        Assert.That(faucetAccount.UnbondingRelease, Is.Null);

        using var replay = await PostAsync(http, ChainDevnet.Transfer(faucet, recipient.PeerId, 777, nonce: 0), cts.Token);
        Assert.That(replay.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await replay.Content.ReadFromJsonAsync<AdminError>(cts.Token))!.Code, Is.EqualTo("WrongNonce"));
        using var empty = await PostAsync(http, [], cts.Token);
        Assert.That(empty.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));

        using var notANumber = await http.GetAsync(new Uri("chain/blocks/abc", UriKind.Relative), cts.Token);
        Assert.That(notANumber.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        using var tooHigh = await http.GetAsync(new Uri("chain/blocks/1000000", UriKind.Relative), cts.Token);
        Assert.That(tooHigh.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await tooHigh.Content.ReadFromJsonAsync<AdminError>(cts.Token))!.Error, Does.StartWith("no block at height 1000000 (the chain is at height "));
        using var badPeer = await http.GetAsync(new Uri("chain/accounts/not-a-peer", UriKind.Relative), cts.Token);
        Assert.That(badPeer.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That((await badPeer.Content.ReadFromJsonAsync<AdminError>(cts.Token))!.Error, Does.Contain("is not a peer ID"));

        var daemonStatus = await http.GetFromJsonAsync<JsonObject>("status", cts.Token);
        Assert.That(daemonStatus!["chain"]!["height"]!.GetValue<ulong>(), Is.GreaterThan(0UL));
        Assert.That(File.Exists(new DataDirectory(data).ConsensusLastSignedPath), Is.True, "signed steps are persisted");
    }

    [Test]
    public async Task AValidatorModeDaemonWhoseKeyIsNotInTheSet_FollowsTheChain()
    {
        using var cts = new CancellationTokenSource(Timeout);
        using var directory = TemporaryDirectory.Create();
        var root = Path.Combine(directory.Path, "devnet");
        Assert.That((await InitCommandTests.RunAsync("init", "--devnet", "1", "--out", root)).ExitCode, Is.Zero);
        var data = Path.Combine(directory.Path, "outsider");
        Directory.CreateDirectory(data);
        File.Copy(Path.Combine(root, "genesis.json"), Path.Combine(data, "genesis.json"));

        await using var daemon = await TestDaemon.StartAsync(cts.Token, dataDirectory: data, modes: ["validator"]);
        using var http = Client(daemon);
        var status = await http.GetFromJsonAsync<ChainStatusResponse>("chain/status", cts.Token);

        Assert.That(status!.IsValidator, Is.False);
        Assert.That(status.Height, Is.Zero);
        Assert.That(daemon.Application.Services.GetService(typeof(ValidatorService)), Is.Not.Null, "validator mode runs");
        Assert.That(((ValidatorService)daemon.Application.Services.GetService(typeof(ValidatorService))!).ConsensusHeight, Is.Zero, "but no consensus");
    }

    // LiteDB threw ArgumentException ("Invalid LCID code") on a damaged header, which the daemon did not take for a
    // damaged store: it must refuse to start with one line naming the file, never run on it.
    [Test]
    public async Task ADamagedChainStore_IsAStartUpErrorNamingTheFile()
    {
        using var directory = TemporaryDirectory.Create();
        var root = Path.Combine(directory.Path, "devnet");
        Assert.That((await InitCommandTests.RunAsync("init", "--devnet", "1", "--out", root)).ExitCode, Is.Zero);
        var data = new DataDirectory(Path.Combine(root, "v0"));
        using (var database = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = data.ChainStorePath, Connection = LiteDB.ConnectionType.Direct }))
            database.GetCollection("meta").Insert(new LiteDB.BsonDocument { ["_id"] = "x" });
        var bytes = await File.ReadAllBytesAsync(data.ChainStorePath);
        bytes.AsSpan(80, 4).Fill(0x7F); // the header's collation LCID
        await File.WriteAllBytesAsync(data.ChainStorePath, bytes);

        var (exitCode, stdout, stderr) = await InitCommandTests.RunAsync("run", "--data-dir", data.Root, "--listen", "/ip4/127.0.0.1/tcp/0", "--admin-port", "0");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr, Does.StartWith("error: cannot start: cannot open the ledger").And.Contain(data.ChainStorePath).And.Contain("is damaged"));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(File.Exists(data.AdminUrlPath), Is.False, "it never ran");
    }

    private static HttpClient Client(TestDaemon daemon) => daemon.AdminClient();

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return await http.PostAsync(new Uri("chain/txs", UriKind.Relative), content, cancellationToken);
    }

    private static Task PollAsync(Func<Task<bool>> condition) => Poll.UntilAsync(condition, Timeout);
}
