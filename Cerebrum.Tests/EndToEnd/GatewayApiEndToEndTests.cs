using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Daemon.Node;
using Cerebrum.Tests.Cli;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// A gateway (open, 256 KiB body limit) and two nodes serving the generated add model and the built-in MiniLM, all
/// in-process on 127.0.0.1: the KServe v2 and OpenAI-compatible APIs answer what the nodes' engines compute, with real
/// clients (HttpClient, the openai npm package, the CLI), and every kind of bad request gets its status and message.
/// </summary>
[TestFixture]
public sealed class GatewayApiEndToEndTests
{
    private const string MiniLm = BuiltinModels.AllMiniLmL6V2;
    private TemporaryDirectory _directory = null!;
    private TestDaemon[] _nodes = [];
    private TestDaemon _gateway = null!;
    private HttpClient _http = null!;

    private InferenceEngine Engine => _nodes[0].Application.Services.GetRequiredService<NodeService>().Engine;

    [OneTimeSetUp]
    public async Task StartNetwork()
    {
        using var cts = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        _directory = TemporaryDirectory.Create();
        var nodes = new List<TestDaemon>();
        for (var i = 0; i < 2; i++)
        {
            var data = await GatewayTestNetwork.PrepareNodeAsync(_directory.Path, $"node{i}", miniLm: true);
            nodes.Add(await TestDaemon.StartAsync(cts.Token, dataDirectory: data, modes: ["node"]));
        }
        _nodes = [.. nodes];
        _gateway = await GatewayTestNetwork.StartGatewayAsync(_directory.Path, [.. _nodes.Select(n => n.ListenAddress)],
            """, "Open": true, "MaxRequestBytes": 262144""", cts.Token);
        await _gateway.WaitForRoutesAsync("add", 2);
        await _gateway.WaitForRoutesAsync(MiniLm, 2);
        _http = _gateway.HttpClient();
    }

    [OneTimeTearDown]
    public async Task StopNetwork()
    {
        _http?.Dispose();
        if (_gateway is not null) await _gateway.DisposeAsync().AsTask().WaitAsync(GatewayTestNetwork.Timeout);
        foreach (var node in _nodes) await node.DisposeAsync().AsTask().WaitAsync(GatewayTestNetwork.Timeout);
        _directory?.Dispose();
    }

    [Test]
    public async Task TheGatewayPrintsItsUrl_OnStdout()
    {
        await Poll.UntilAsync(() => _gateway.Stdout.ToString().Contains("gateway http://127.0.0.1:", StringComparison.Ordinal), GatewayTestNetwork.Timeout);
        Assert.That(_gateway.Stdout.ToString(), Does.Contain($"gateway {_gateway.Gateway().HttpUrl!.ToString().TrimEnd('/')}"));
    }

    [Test]
    public async Task KServeInfer_InTheSpecificationsRequestForm_IsAnsweredWithTheEnginesOutputs()
    {
        // The specification's form: a request id and parameters, nested row-major data, and the outputs asked for by name.
        const string request = """
            {
              "id": "request-7",
              "parameters": { "note": "parameters are accepted and not interpreted" },
              "inputs": [
                { "name": "a", "shape": [2, 3], "datatype": "FP32", "parameters": {}, "data": [[1, 2, 3], [4, 5, 6]] },
                { "name": "b", "shape": [2, 3], "datatype": "FP32", "data": [0.5, 0.25, 0, -1, -2, -3] }
              ],
              "outputs": [ { "name": "c" } ]
            }
            """;

        var (status, body) = await _http.PostJsonAsync("v2/models/add/infer", request);

        Assert.That(status, Is.EqualTo(200), body.ToString());
        Assert.That(body.GetProperty("model_name").GetString(), Is.EqualTo("add"));
        Assert.That(body.GetProperty("id").GetString(), Is.EqualTo("request-7"));
        var output = body.GetProperty("outputs").EnumerateArray().Single();
        Assert.That(output.GetProperty("name").GetString(), Is.EqualTo("c"));
        Assert.That(output.GetProperty("datatype").GetString(), Is.EqualTo("FP32"));
        Assert.That(output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), Is.EqualTo(new long[] { 2, 3 }));
        var direct = await Engine.RunAsync(new InferenceRequest("add",
            [Tensor.FromFloats("a", [2, 3], [1, 2, 3, 4, 5, 6]), Tensor.FromFloats("b", [2, 3], [0.5f, 0.25f, 0, -1, -2, -3])], DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.That(GatewayTestNetwork.OutputData(body), Is.EqualTo(direct.Outputs[0].ToFloats()));
    }

    [Test]
    public async Task KServeHealthAndMetadata_DescribeTheServedModels()
    {
        using var live = JsonDocument.Parse(await _http.GetStringAsync("v2/health/live"));
        using var ready = JsonDocument.Parse(await _http.GetStringAsync("v2/health/ready"));
        using var server = JsonDocument.Parse(await _http.GetStringAsync("v2"));
        using var metadata = JsonDocument.Parse(await _http.GetStringAsync("v2/models/add"));
        using var modelReady = JsonDocument.Parse(await _http.GetStringAsync("v2/models/add/ready"));

        Assert.That(live.RootElement.GetProperty("live").GetBoolean(), Is.True);
        Assert.That(ready.RootElement.GetProperty("ready").GetBoolean(), Is.True);
        Assert.That(server.RootElement.GetProperty("name").GetString(), Is.EqualTo("cerebrum-gateway"));
        Assert.That(server.RootElement.GetProperty("extensions").GetArrayLength(), Is.Zero);
        Assert.That(metadata.RootElement.GetProperty("name").GetString(), Is.EqualTo("add"));
        Assert.That(metadata.RootElement.GetProperty("platform").GetString(), Is.EqualTo("onnxruntime_onnx"));
        var inputs = metadata.RootElement.GetProperty("inputs").EnumerateArray()
            .Select(i => (i.GetProperty("name").GetString(), i.GetProperty("datatype").GetString(), string.Join(",", i.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()))));
        Assert.That(inputs, Is.EqualTo(new[] { ("a", "FP32", "-1,3"), ("b", "FP32", "-1,3") }));
        Assert.That(metadata.RootElement.GetProperty("outputs")[0].GetProperty("name").GetString(), Is.EqualTo("c"));
        Assert.That(modelReady.RootElement.GetProperty("ready").GetBoolean(), Is.True);
        using var unknown = await _http.GetAsync("v2/models/nope/ready");
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task OpenAiModelsAndEmbeddings_AnswerTheNodesVectors()
    {
        using var models = JsonDocument.Parse(await _http.GetStringAsync("v1/models"));
        var (status, body) = await _http.PostJsonAsync("v1/embeddings", $$"""{"model":"{{MiniLm}}","input":["A decentralized network serves AI models.","hello world"]}""");

        Assert.That(models.RootElement.GetProperty("object").GetString(), Is.EqualTo("list"));
        Assert.That(models.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()), Is.EquivalentTo(new[] { "add", MiniLm }));
        Assert.That(status, Is.EqualTo(200), body.ToString());
        Assert.That(body.GetProperty("model").GetString(), Is.EqualTo(MiniLm));
        Assert.That(body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), Is.GreaterThan(4));
        var direct = await Engine.EmbedAsync(["A decentralized network serves AI models.", "hello world"]);
        var data = body.GetProperty("data").EnumerateArray().ToList();
        Assert.That(data.Select(d => d.GetProperty("index").GetInt32()), Is.EqualTo(new[] { 0, 1 }));
        for (var i = 0; i < 2; i++)
            Assert.That(data[i].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()), Is.EqualTo(direct[i]).Within(1e-5f));
    }

    [TestCase("v2/models/add/infer", """{"inputs":[{"name":"a","shape":[1,3],"datatype":"FP32","data":[1,2,3]},{"name":"b","shape":[1,3],"datatype":"FP32","data":[1,1,1]}]}""")]
    [TestCase("v1/embeddings", """{"model":"all-minilm-l6-v2","input":"hello world"}""")]
    public async Task AnsweredJobs_CarryTheNodesQueueAndComputeTime_InServerTiming(string path, string json)
    {
        // The serving node's engine records queue + compute of every request in its latency histogram: the header must
        // report that same time (the wire carries whole microseconds, the header milliseconds to 0.001).
        var model = path.StartsWith("v1/", StringComparison.Ordinal) ? MiniLm : "add";
        var before = await EngineSecondsAsync(model);
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var clock = Stopwatch.StartNew();
        using var response = await _http.PostAsync(path, content);
        var elapsed = clock.Elapsed;

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var timing = string.Join(",", response.Headers.GetValues(ServerTimingHeader.Name));
        var metrics = timing.Split(',').Select(m => m.Trim().Split(";dur=")).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(metrics.Keys, Is.EquivalentTo(new[] { "queue", "compute" }), timing);
        var engineMilliseconds = (await EngineSecondsAsync(model) - before) * 1000;
        Assert.Multiple(() =>
        {
            Assert.That(engineMilliseconds, Is.GreaterThan(0), "one node's engine ran the request");
            Assert.That(metrics["queue"] + metrics["compute"], Is.EqualTo(engineMilliseconds).Within(0.004), $"{timing}; the engine measured {engineMilliseconds:0.####} ms");
            Assert.That(metrics["queue"], Is.GreaterThanOrEqualTo(0));
            Assert.That(metrics["compute"], Is.GreaterThan(0), "a model run takes time");
            Assert.That(metrics["queue"] + metrics["compute"], Is.LessThanOrEqualTo(elapsed.TotalMilliseconds), "within the time the client waited");
        });
    }

    /// <summary>The sum of both nodes' <c>cerebrum_inference_duration_seconds</c> for <paramref name="model"/>, from their /metrics.</summary>
    private async Task<double> EngineSecondsAsync(string model)
    {
        var total = 0.0;
        foreach (var node in _nodes)
        {
            using var admin = node.AdminClient();
            var body = await admin.GetStringAsync(new Uri("metrics", UriKind.Relative));
            var series = $"cerebrum_inference_duration_seconds_sum{{model=\"{model}\"}} ";
            var line = body.Split('\n').FirstOrDefault(l => l.StartsWith(series, StringComparison.Ordinal));
            if (line is not null) total += double.Parse(line[series.Length..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return total;
    }

    [Test]
    public async Task Base64Embeddings_AreLittleEndianFloat32_OfTheSameVector()
    {
        var (_, floats) = await _http.PostJsonAsync("v1/embeddings", $$"""{"model":"{{MiniLm}}","input":"hello world"}""");
        var (status, encoded) = await _http.PostJsonAsync("v1/embeddings", $$"""{"model":"{{MiniLm}}","input":"hello world","encoding_format":"base64"}""");

        Assert.That(status, Is.EqualTo(200));
        var bytes = Convert.FromBase64String(encoded.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        var decoded = Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4));
        Assert.That(decoded, Is.EqualTo(floats.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle())));
    }

    [Test]
    public async Task TheOfficialOpenAiNpmClient_GetsTheNodesVectors()
    {
        var script = Path.Combine(RepositoryRoot.Path, "scripts", "openai");
        if (!Directory.Exists(Path.Combine(script, "node_modules", "openai")))
            Assert.Fail("scripts/openai/node_modules is missing: run `npm ci --prefix scripts/openai` (scripts/test does)");
        var texts = new[] { "The gateway routes requests to nodes.", "Vectors travel as base64." };
        var info = new ProcessStartInfo("node") { WorkingDirectory = script, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["embeddings.mjs", new Uri(_gateway.Gateway().HttpUrl!, "v1").ToString(), MiniLm, .. texts])
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(GatewayTestNetwork.Timeout);

        Assert.That(process.ExitCode, Is.Zero, await stdout + await stderr);
        using var printed = JsonDocument.Parse(await stdout);
        Assert.That(printed.RootElement.GetProperty("model").GetString(), Is.EqualTo(MiniLm));
        var vectors = printed.RootElement.GetProperty("embeddings").EnumerateArray().Select(e => e.EnumerateArray().Select(v => v.GetSingle()).ToArray()).ToList();
        var direct = await Engine.EmbedAsync(texts);
        Assert.That(vectors, Has.Count.EqualTo(2));
        Assert.That(vectors[0], Is.EqualTo(direct[0]).Within(1e-5f));
        Assert.That(vectors[1], Is.EqualTo(direct[1]).Within(1e-5f));
    }

    [Test]
    public async Task TheCli_InfersAndEmbedsThroughTheGateway()
    {
        var url = _gateway.Gateway().HttpUrl!.ToString();

        var inferred = await GatewayTestNetwork.RunCliOkAsync("infer", "--gateway", url, "--model", "add", "--input", GatewayTestNetwork.AddRequest(10));
        var embedded = await GatewayTestNetwork.RunCliOkAsync("embed", "--gateway", url, "hello world");
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("infer", "--gateway", url, "--model", "nope", "--input", GatewayTestNetwork.AddRequest(1));

        using var answer = JsonDocument.Parse(inferred);
        Assert.That(GatewayTestNetwork.OutputData(answer.RootElement), Is.EqualTo(GatewayTestNetwork.AddExpected(10)));
        Assert.That(JsonSerializer.Deserialize<float[]>(embedded), Is.EqualTo((await Engine.EmbedAsync(["hello world"]))[0]).Within(1e-5f));
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr.TrimEnd(), Is.EqualTo("error: 404 Not Found: unknown model 'nope': no node on the network announces it"));
    }

    [Test]
    public async Task AnOpenGateway_RefusesHostNamesItWasNotGiven_AgainstDnsRebinding()
    {
        // Issue 13 item 13: a page on attacker.example re-points its name at 127.0.0.1 and calls the open gateway.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        rebound.Headers.Host = "attacker.example";
        using var local = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        local.Headers.Host = $"localhost:{_gateway.Gateway().HttpUrl!.Port}";

        using var refused = await _http.SendAsync(rebound);
        using var byLocalhost = await _http.SendAsync(local);

        Assert.That((int)refused.StatusCode, Is.EqualTo(400));
        Assert.That(await refused.Content.ReadAsStringAsync(), Does.Contain("Host 'attacker.example' is not an address of this gateway"));
        Assert.That((int)byLocalhost.StatusCode, Is.EqualTo(200));
    }

    [Test]
    public async Task AGetOnAnInferRoute_Is405_WithAllowPost()
    {
        using var response = await _http.GetAsync($"v2/models/{MiniLm}/infer");

        Assert.That((int)response.StatusCode, Is.EqualTo(405));
        Assert.That(response.Content.Headers.Allow, Is.EquivalentTo(new[] { "POST" }));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("send the request with POST"));
    }

    [Test]
    public async Task ASequenceNoNodeCanRun_Is400_AndOpensNoNodesBreaker()
    {
        // Issue 16 item 1: three [1, 600] requests (MiniLM has 512 positions) answered 503 and opened every node's breaker.
        var zeros = string.Join(",", Enumerable.Repeat("0", 600));
        var body = $$"""{"inputs":[{"name":"input_ids","shape":[1,600],"datatype":"INT64","data":[{{zeros}}]},{"name":"attention_mask","shape":[1,600],"datatype":"INT64","data":[{{zeros}}]},{"name":"token_type_ids","shape":[1,600],"datatype":"INT64","data":[{{zeros}}]}]}""";

        for (var i = 0; i < 3; i++)
        {
            var (status, error) = await _http.PostJsonAsync($"v2/models/{MiniLm}/infer", body);
            Assert.That(status, Is.EqualTo(400), error.ToString());
            Assert.That(error.GetProperty("error").GetString(), Does.Contain("600").And.Contain("512"));
        }

        var routes = _gateway.Gateway().Table.Routes(MiniLm);
        Assert.That(routes, Has.Count.EqualTo(2));
        Assert.That(routes.Select(r => (r.Breaker.State, r.Breaker.ConsecutiveFailures)), Has.All.EqualTo((CircuitState.Closed, 0)), "a client's error never counts against a node");
        var (okStatus, ok) = await _http.PostJsonAsync("v1/embeddings", $$"""{"model":"{{MiniLm}}","input":"hello world"}""");
        Assert.That(okStatus, Is.EqualTo(200), ok.ToString());
    }

    [TestCase("v2/models/add/infer", "{\"inputs\": [", 400, "the request body is not valid JSON")]
    [TestCase("v2/models/add/infer", """{"inputs":[{"name":"a","shape":[1,3],"datatype":"INT32","data":[1,2,3]},{"name":"b","shape":[1,3],"datatype":"INT32","data":[1,2,3]}]}""", 400, "input 'a' is Int32, the model expects Float32")]
    [TestCase("v2/models/add/infer", """{"inputs":[{"name":"a","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]},{"name":"b","shape":[1,4],"datatype":"FP32","data":[1,2,3,4]}]}""", 400, "input 'a'")]
    [TestCase("v2/models/add/infer", """{"inputs":[{"name":"a","shape":[1,3],"datatype":"FP32","data":[1,2]}]}""", 400, "input 'a': shape [1, 3] needs 3 values, \"data\" has 2")]
    [TestCase("v2/models/add/infer", """{"inputs":[{"name":"a","shape":[1,3],"datatype":"STRING","data":[1,2,3]}]}""", 400, "input 'a': unsupported datatype 'STRING'")]
    [TestCase("v2/models/add/infer", """{"inputs":[]}""", 400, "\"inputs\" must be a non-empty array")]
    [TestCase("v2/models/add/infer", """{"inputs":[{"name":"a","shape":[1,3],"datatype":"FP32","data":[1,2,3]},{"name":"b","shape":[1,3],"datatype":"FP32","data":[1,2,3]}],"outputs":[{"name":"z"}]}""", 400, "model 'add' has no output 'z'")]
    [TestCase("v2/models/no-such-model/infer", """{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]}]}""", 404, "unknown model 'no-such-model': no node on the network announces it")]
    [TestCase("v2/models/add/nothing-here", "{}", 404, "no endpoint POST /v2/models/add/nothing-here")]
    [TestCase("v2/models/nosuch/infer", """{"inputs":[]}""", 404, "unknown model 'nosuch'")]
    [TestCase("v1/embeddings", """{"model":"all-minilm-l6-v2","input":"\ud800"}""", 400, "the request body holds a string that is not valid UTF-16")]
    [TestCase("v1/embeddings", """{"model":"all-minilm-l6-v2","input":["ok","\udc00 x"]}""", 400, "the request body holds a string that is not valid UTF-16")]
    [TestCase("v1/embeddings", """{"model":"all-minilm-l6-v2","input":[1,2]}""", 400, "input[0] must be a string")]
    [TestCase("v1/embeddings", """{"input":"x"}""", 400, "'model' must be the name of an embedding model")]
    [TestCase("v1/embeddings", """{"model":"add","input":"x"}""", 400, "model 'add' is not a text-embedding model")]
    [TestCase("v1/embeddings", """{"model":"nope","input":"x"}""", 404, "unknown model 'nope'")]
    public async Task BadRequests_GetTheirStatusAndAClearMessage_AndTheGatewayKeepsServing(string path, string body, int expectedStatus, string expectedMessage)
    {
        var (status, error) = await _http.PostJsonAsync(path, body);

        Assert.That(status, Is.EqualTo(expectedStatus), error.ToString());
        var message = path.StartsWith("v1/", StringComparison.Ordinal)
            ? error.GetProperty("error").GetProperty("message").GetString()
            : error.GetProperty("error").GetString();
        Assert.That(message, Does.StartWith(expectedMessage));
        var (okStatus, ok) = await _http.PostJsonAsync("v2/models/add/infer", GatewayTestNetwork.AddRequest(1));
        Assert.That(okStatus, Is.EqualTo(200));
        Assert.That(GatewayTestNetwork.OutputData(ok), Is.EqualTo(GatewayTestNetwork.AddExpected(1)));
    }

    [Test]
    public async Task AnOversizedBody_Is413_WhetherItsLengthIsDeclaredOrNot()
    {
        var huge = GatewayTestNetwork.AddRequest(1, rows: 20_000); // about 600 KB, over the 256 KiB limit

        var (status, error) = await _http.PostJsonAsync("v2/models/add/infer", huge);
        using var chunked = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(huge)));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v2/models/add/infer") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var chunkedResponse = await _http.SendAsync(request);

        Assert.That(status, Is.EqualTo(413));
        Assert.That(error.GetProperty("error").GetString(), Does.Contain("exceeds this gateway's limit of 262144 bytes"));
        Assert.That((int)chunkedResponse.StatusCode, Is.EqualTo(413), await chunkedResponse.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task ADeadlineThatPasses_Is504()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/embeddings")
        {
            Content = new StringContent($$"""{"model":"{{MiniLm}}","input":["{{string.Join(' ', Enumerable.Repeat("long text", 120))}}"]}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Cerebrum-Timeout-Ms", "1");

        using var response = await _http.SendAsync(request);

        Assert.That((int)response.StatusCode, Is.EqualTo(504));
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.That(error.RootElement.GetProperty("error").GetProperty("message").GetString(), Does.StartWith("the request's deadline passed"));
        Assert.That(error.RootElement.GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("deadline_exceeded"));
    }

    [Test]
    public async Task TheOpenApiDocument_DescribesEveryEndpoint()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("openapi/v1.json"));

        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name);
        Assert.That(paths, Is.SupersetOf(new[] { "/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/{name}", "/v2/models/{name}/ready", "/v2/models/{name}/infer", "/v1/models", "/v1/embeddings" }));
        var infer = document.RootElement.GetProperty("paths").GetProperty("/v2/models/{name}/infer").GetProperty("post");
        Assert.That(infer.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _), Is.True);
        Assert.That(infer.GetProperty("responses").EnumerateObject().Select(r => r.Name), Is.SupersetOf(new[] { "200", "400", "404", "413", "429", "503", "504" }));
    }
}
