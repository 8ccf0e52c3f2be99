using System.Net.Http.Json;
using System.Text.Json;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Daemon.Admin;
using Cerebrum.Daemon.Node;
using Cerebrum.Tests.Cli;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.Inference;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// A node daemon in-process on 127.0.0.1 serving the built-in MiniLM and a generated add model, driven by the CLI
/// commands in-process over /cerebrum/infer/1.0.0; answers are compared with the node's engine run directly.
/// </summary>
[TestFixture]
public sealed class NodeEndToEndTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private TemporaryDirectory _directory = null!;
    private TestDaemon _daemon = null!;

    private InferenceEngine Engine => _daemon.Application.Services.GetRequiredService<NodeService>().Engine;

    [OneTimeSetUp]
    public async Task StartNode()
    {
        _directory = TemporaryDirectory.Create();
        var model = OnnxTestModels.Write(Path.Combine(_directory.Path, "in"), "add.onnx", OnnxTestModels.AddFloat());
        var data = Path.Combine(_directory.Path, "node");
        await RunOkAsync("model", "add", model, "--name", "add", "--data-dir", data);
        await RunOkAsync("model", "add", "--builtin", BuiltinModels.AllMiniLmL6V2, "--data-dir", data);
        using var timeout = new CancellationTokenSource(Timeout);
        _daemon = await TestDaemon.StartAsync(timeout.Token, dataDirectory: data, modes: ["node"]);
    }

    [OneTimeTearDown]
    public async Task StopNode()
    {
        await _daemon.DisposeAsync().AsTask().WaitAsync(Timeout);
        _directory.Dispose();
    }

    [Test]
    public void Node_ServesEveryStoredModel()
    {
        Assert.That(Engine.Models.Select(m => m.Name), Is.EquivalentTo(new[] { "add", BuiltinModels.AllMiniLmL6V2 }));
    }

    [Test]
    public async Task Infer_PrintsTheSameOutputsAsTheEngineRunDirectly()
    {
        const string input = """{"inputs":[{"name":"a","shape":[2,3],"datatype":"FP32","data":[[1,2,3],[4,5,6]]},{"name":"b","shape":[2,3],"datatype":"FP32","data":[0.5,0.25,0,-1,-2,-3]}]}""";

        var stdout = await RunOkAsync("infer", "--peer", _daemon.ListenAddress, "--model", "add", "--input", input);

        using var printed = JsonDocument.Parse(stdout);
        var output = printed.RootElement.GetProperty("outputs")[0];
        Assert.That(printed.RootElement.GetProperty("model_name").GetString(), Is.EqualTo("add"), "what the client asked for, as through a gateway");
        Assert.That(output.GetProperty("name").GetString(), Is.EqualTo("c"));
        Assert.That(output.GetProperty("datatype").GetString(), Is.EqualTo("FP32"));
        Assert.That(output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), Is.EqualTo(new long[] { 2, 3 }));
        var direct = await Engine.RunAsync(new InferenceRequest("add",
            [Tensor.FromFloats("a", [2, 3], [1, 2, 3, 4, 5, 6]), Tensor.FromFloats("b", [2, 3], [0.5f, 0.25f, 0, -1, -2, -3])],
            DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.That(output.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()), Is.EqualTo(direct.Outputs[0].ToFloats()));
        Assert.That(direct.Outputs[0].ToFloats(), Is.EqualTo(new[] { 1.5f, 2.25f, 3, 3, 3, 3 }));
    }

    [Test]
    public async Task Embed_PrintsTheEngineEmbeddingOfTheText()
    {
        const string text = "A decentralized network serves AI models.";

        var stdout = await RunOkAsync("embed", "--peer", _daemon.ListenAddress, text);

        var printed = JsonSerializer.Deserialize<float[]>(stdout)!;
        var direct = (await Engine.EmbedAsync([text]))[0];
        Assert.That(printed, Has.Length.EqualTo(384));
        Assert.That(printed, Is.EqualTo(direct).Within(1e-5f));
        Assert.That(Math.Sqrt(printed.Sum(v => (double)v * v)), Is.EqualTo(1.0).Within(1e-4));
    }

    [Test]
    public async Task WrongDatatype_IsABadInputError_AndTheNodeKeepsServing()
    {
        const string ints = """{"inputs":[{"name":"a","shape":[1,3],"datatype":"INT32","data":[1,2,3]},{"name":"b","shape":[1,3],"datatype":"INT32","data":[1,2,3]}]}""";

        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync("infer", "--peer", _daemon.ListenAddress, "--model", "add", "--input", ints);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr.TrimEnd(), Does.StartWith("error: bad_input: input 'a' is Int32, the model expects Float32"));
        Assert.That(stderr.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        var next = await RunOkAsync("infer", "--peer", _daemon.ListenAddress, "--model", "add", "--input",
            """{"inputs":[{"name":"a","shape":[1,3],"datatype":"FP32","data":[1,2,3]},{"name":"b","shape":[1,3],"datatype":"FP32","data":[1,1,1]}]}""");
        Assert.That(next, Does.Contain("\"data\":[2,3,4]"));
    }

    [Test]
    public async Task Infer_WithInputAtFile_ReadsTheJsonFileItself()
    {
        // An indented file, as people write them: System.CommandLine's response files would have split it into words.
        var file = Path.Combine(_directory.Path, "input.json");
        File.WriteAllText(file, """
            {
              "inputs": [
                { "name": "a", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3] },
                { "name": "b", "shape": [1, 3], "datatype": "FP32", "data": [10, 20, 30] }
              ]
            }
            """);

        var stdout = await RunOkAsync("infer", "--peer", _daemon.ListenAddress, "--model", "add", "--input", "@" + file);

        Assert.That(stdout, Does.Contain("\"data\":[11,22,33]"));
    }

    [Test]
    public async Task UnknownModel_IsAnUnknownModelError_CountedByTheAdminApi()
    {
        var before = await GetAdminAsync<JobsResponse>("jobs");

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("infer", "--peer", _daemon.ListenAddress, "--model", "no-such-model", "--input",
            """{"name":"a","shape":[1],"datatype":"FP32","data":[1]}""");

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr.TrimEnd(), Is.EqualTo("error: unknown_model: no model 'no-such-model' is loaded on this node"));
        var after = await GetAdminAsync<JobsResponse>("jobs");
        Assert.That(after.Failed["unknown_model"], Is.EqualTo(before.Failed["unknown_model"] + 1));
        Assert.That(after.InFlight, Is.Zero);
    }

    [Test]
    public async Task AdminModels_ListsTheServedModelsWithTheirSignatures()
    {
        var models = await GetAdminAsync<List<ModelResponse>>("models");

        var add = models.Single(m => m.Name == "add");
        Assert.That(add.Hash, Is.EqualTo(Engine.FindModel("add")!.Hash));
        Assert.That(add.Inputs.Select(i => (i.Name, i.Datatype)), Is.EqualTo(new[] { ("a", "FP32"), ("b", "FP32") }));
        Assert.That(add.Inputs[0].Shape, Is.EqualTo(new long[] { -1, 3 }));
        Assert.That(add.QueueDepth, Is.Zero);
        Assert.That(models.Single(m => m.Name == BuiltinModels.AllMiniLmL6V2).Task, Is.EqualTo(ModelTasks.TextEmbedding));
    }

    [Test]
    public async Task ModelAdd_WhileTheNodeRuns_IsRefusedWithAClearMessage()
    {
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("model", "list", "--data-dir", _daemon.Data.Root);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr, Does.StartWith($"error: a cerebrumd is running with data directory {_daemon.Data.Root}").And.Contain("stop it"));
    }

    private async Task<T> GetAdminAsync<T>(string path)
    {
        using var http = _daemon.AdminClient();
        return (await http.GetFromJsonAsync<T>(path, new JsonSerializerOptions(JsonSerializerDefaults.Web)))!;
    }

    private static async Task<string> RunOkAsync(params string[] args)
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync(args);
        Assert.That(exitCode, Is.Zero, stderr);
        return stdout;
    }
}
