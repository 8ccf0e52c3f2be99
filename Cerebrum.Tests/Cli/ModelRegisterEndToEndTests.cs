using Cerebrum.Core.Chain;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.CommandLine;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.Inference;
using Cerebrum.Tests.TestSupport;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.Cli;

/// <summary>
/// <c>cerebrum model register</c> against a real one-validator devnet whose validator also serves models (node mode):
/// the RegisterModel it sends lands on the ledger with the store's hash, name, task and signatures and the sender as
/// owner; the ledger's refusals (a hash registered twice, a name owned by another account) are its one error line; an
/// unknown model or a tensor model without --task is refused before anything is sent; with no daemon on DIR the store is
/// read directly and the transaction gossiped through --peer.
/// </summary>
[TestFixture]
public sealed class ModelRegisterEndToEndTests
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
        _cts = new CancellationTokenSource(Timeout * 4);
        _directory = TemporaryDirectory.Create();
        (_data, _faucet) = await OneValidatorDevnet.CreateAsync(_directory.Path, _cts.Token);
        var incoming = Directory.CreateDirectory(Path.Combine(_directory.Path, "incoming")).FullName;
        await AddAsync(_data, "--builtin", BuiltinModels.AllMiniLmL6V2);
        await AddAsync(_data, OnnxTestModels.Write(incoming, "add.onnx", OnnxTestModels.AddFloat()), "--name", "add");
        await AddAsync(_data, OnnxTestModels.Write(incoming, "matmul.onnx", OnnxTestModels.MatMulFloat()), "--name", "matmul");
        _daemon = await TestDaemon.StartAsync(_cts.Token, dataDirectory: _data, modes: ["validator", "node"]);
    }

    [OneTimeTearDown]
    public async Task StopDevnet()
    {
        await _daemon.DisposeAsync();
        _faucet.Dispose();
        _directory.Dispose();
        _cts.Dispose();
    }

    private ChainNode Chain => _daemon.Application.Services.GetRequiredService<ChainService>().Chain;

    private string FaucetKeyPath => Path.Combine(Path.GetDirectoryName(_data)!, DevnetInitializer.FaucetKeyFileName);

    [Test]
    public async Task TheBuiltinEncoder_IsRegisteredWithTheStoresNameTaskAndSignatures_AndASecondTimeIsRefused()
    {
        var sent = await RunAsync("model", "register", BuiltinModels.AllMiniLmL6V2, "--data-dir", _data, "--wait");

        Assert.That(sent.ExitCode, Is.Zero, sent.Stderr);
        var lines = Lines(sent.Stdout);
        var hash = lines[0].Split(' ')[1];
        Assert.That(lines[0], Is.EqualTo($"registering {hash} as '{BuiltinModels.AllMiniLmL6V2}' (text-embedding)"));
        Assert.That(lines[^1], Does.Match("^included at height [1-9][0-9]*$"));
        var model = Chain.GetModel(hash);
        Assert.That(model, Is.Not.Null);
        Assert.That(model!.Name, Is.EqualTo(BuiltinModels.AllMiniLmL6V2));
        Assert.That(model.Task, Is.EqualTo(ModelTasks.TextEmbedding));
        Assert.That(model.Owner, Is.EqualTo(ByteString.CopyFrom(_daemon.PeerId.Bytes.Span)));
        Assert.That(model.InputSignature, Is.EqualTo("input_ids:INT64[?,?] attention_mask:INT64[?,?] token_type_ids:INT64[?,?]"));
        Assert.That(model.OutputSignature, Is.EqualTo("last_hidden_state:FP32[?,?,?] 924:FP32[?,384]"));

        var again = await RunAsync("model", "register", hash, "--name", "another-name", "--data-dir", _data, "--wait");

        Assert.That(again.ExitCode, Is.EqualTo(1));
        Assert.That(again.Stderr.TrimEnd(), Does.StartWith("error: ").And.EndWith($"model {hash} is already registered (ModelAlreadyRegistered)"));
        Assert.That(Chain.GetModel(hash)!.Name, Is.EqualTo(BuiltinModels.AllMiniLmL6V2));
    }

    [Test]
    public async Task ANameBelongsToItsFirstRegistrant_AnotherAccountIsRefused_TheOwnerAddsAVersion()
    {
        var first = await RunAsync("model", "register", "add", "--name", "shared-name", "--task", "tensor", "--key", FaucetKeyPath, "--data-dir", _data, "--wait");
        Assert.That(first.ExitCode, Is.Zero, first.Stderr);
        var addHash = Lines(first.Stdout)[0].Split(' ')[1];
        var add = Chain.GetModel(addHash)!;
        Assert.That(add.Name, Is.EqualTo("shared-name"));
        Assert.That(add.Task, Is.EqualTo("tensor"));
        Assert.That(add.Owner, Is.EqualTo(ByteString.CopyFrom(_faucet.PeerId.Bytes.Span)));
        Assert.That(add.InputSignature, Is.EqualTo("a:FP32[?,3] b:FP32[?,3]"));
        Assert.That(add.OutputSignature, Is.EqualTo("c:FP32[?,3]"));

        var taken = await RunAsync("model", "register", "matmul", "--name", "shared-name", "--task", "tensor", "--data-dir", _data, "--wait");

        Assert.That(taken.ExitCode, Is.EqualTo(1));
        Assert.That(taken.Stderr.TrimEnd(), Does.EndWith("model name 'shared-name' belongs to another account (DuplicateModelName)"));
        var matmulHash = Lines(taken.Stdout)[0].Split(' ')[1];
        Assert.That(Chain.GetModel(matmulHash), Is.Null);

        var version = await RunAsync("model", "register", "matmul", "--name", "shared-name", "--task", "tensor", "--key", FaucetKeyPath, "--data-dir", _data, "--wait");

        Assert.That(version.ExitCode, Is.Zero, version.Stderr);
        Assert.That(Chain.GetModel(matmulHash)!.Name, Is.EqualTo("shared-name"));
    }

    [Test]
    public async Task AnUnknownModel_IsRefusedBeforeAnythingIsSent()
    {
        var nonce = Chain.GetNextNonce(_daemon.PeerId);

        var sent = await RunAsync("model", "register", "no-such-model", "--task", "tensor", "--data-dir", _data);

        Assert.That(sent.ExitCode, Is.EqualTo(1));
        Assert.That(sent.Stdout, Is.Empty);
        Assert.That(sent.Stderr, Does.StartWith($"error: the daemon on {_data} serves no model 'no-such-model' (it serves: "));
        foreach (var name in new[] { BuiltinModels.AllMiniLmL6V2, "add", "matmul" })
            Assert.That(sent.Stderr, Does.Contain(name));
        Assert.That(Chain.GetNextNonce(_daemon.PeerId), Is.EqualTo(nonce));
    }

    [Test]
    public async Task ATensorModelWithoutTask_AsksForOne()
    {
        var sent = await RunAsync("model", "register", "matmul", "--name", "matmul-untasked", "--data-dir", _data);

        Assert.That(sent.ExitCode, Is.EqualTo(1));
        Assert.That(sent.Stdout, Is.Empty);
        Assert.That(sent.Stderr, Does.StartWith("error: the store knows no task for matmul sha256:").And.Contain("--task TASK"));
    }

    [TestCase("", "--name must be 1 to 64 printable characters, not ''")]
    [TestCase("a-name-of-sixty-five-characters-is-one-more-than-the-ledger-takes", "--name must be 1 to 64 printable characters, not 'a-name-of-sixty-five-characters-is-one-more-than-the-ledger-takes'")]
    public async Task ANameTheLedgerWouldRefuse_IsRefusedBeforeAnythingIsSent(string name, string message)
    {
        var sent = await RunAsync("model", "register", "add", "--name", name, "--task", "tensor", "--data-dir", _data);

        Assert.That(sent.ExitCode, Is.EqualTo(1));
        Assert.That(sent.Stdout, Is.Empty);
        Assert.That(sent.Stderr.TrimEnd(), Is.EqualTo("error: " + message));
    }

    [Test]
    public async Task WithNoDaemonOnTheDirectory_TheStoreIsReadDirectly_AndThePeerGossipsIt()
    {
        using var offline = TemporaryDirectory.Create();
        var incoming = Directory.CreateDirectory(Path.Combine(offline.Path, "incoming")).FullName;
        var data = Path.Combine(offline.Path, "data");
        await AddAsync(data, OnnxTestModels.Write(incoming, "int64.onnx", OnnxTestModels.AddInt64Fixed()), "--name", "fixed");
        var nonce = Chain.GetNextNonce(_faucet.PeerId).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var sent = await RunAsync("model", "register", "fixed", "--task", "tensor", "--key", FaucetKeyPath, "--peer", _daemon.ListenAddress,
            "--chain-id", DevnetInitializer.ChainId, "--nonce", nonce, "--data-dir", data);

        Assert.That(sent.ExitCode, Is.Zero, sent.Stderr);
        var lines = Lines(sent.Stdout);
        Assert.That(lines[1], Does.Match($"^published [0-9a-f]{{64}} through {_daemon.PeerId}$"));
        var hash = lines[0].Split(' ')[1];
        var model = await Poll.UntilAsync(() => Task.FromResult(Chain.GetModel(hash)), m => m is not null, Timeout, _ => "not on the ledger yet");
        Assert.That(model!.Name, Is.EqualTo("fixed"));
        Assert.That(model.Owner, Is.EqualTo(ByteString.CopyFrom(_faucet.PeerId.Bytes.Span)));
    }

    private static async Task AddAsync(string data, params string[] args)
    {
        string[] command = args[0] == "--builtin" ? ["model", "add", .. args, "--data-dir", data] : ["model", "add", args[0], .. args[1..], "--data-dir", data];
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync(command);
        Assert.That(exitCode, Is.Zero, stderr);
    }

    private static string[] Lines(string text) => text.TrimEnd().Split('\n', StringSplitOptions.TrimEntries);

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        await CliHelpTests.RunAsync(args).WaitAsync(Timeout, _cts.Token);
}
