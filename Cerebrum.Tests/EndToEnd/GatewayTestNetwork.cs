using System.Net.Http.Json;
using System.Text.Json;
using Cerebrum.Core.Inference.Store;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Tests.Cli;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.Inference;
using Microsoft.Extensions.DependencyInjection;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>Builds the pieces of gateway end-to-end tests: node data directories, a gateway daemon, and waits on its routing table.</summary>
internal static class GatewayTestNetwork
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>A node data directory under <paramref name="root"/> holding the generated 'add' model (and MiniLM when asked), heartbeating every 200 ms.</summary>
    public static async Task<string> PrepareNodeAsync(string root, string name, bool miniLm = false, string extraNodeConfig = "")
    {
        var model = Path.Combine(root, "add.onnx");
        if (!File.Exists(model))
            OnnxTestModels.Write(root, "add.onnx", OnnxTestModels.AddFloat());
        var data = Path.Combine(root, name);
        await RunCliOkAsync("model", "add", model, "--name", "add", "--data-dir", data);
        if (miniLm)
            await RunCliOkAsync("model", "add", "--builtin", BuiltinModels.AllMiniLmL6V2, "--data-dir", data);
        await File.WriteAllTextAsync(Path.Combine(data, "config.json"),
            $$"""{ "Node": { "HeartbeatInterval": "00:00:00.200"{{extraNodeConfig}} } }""");
        return data;
    }

    /// <summary>A gateway daemon in-process with its HTTP API on an ephemeral loopback port; <paramref name="gatewayConfig"/> adds keys to the Gateway section.</summary>
    public static async Task<TestDaemon> StartGatewayAsync(string root, IReadOnlyList<string> bootstrapPeers, string gatewayConfig, CancellationToken cancellationToken,
        Func<Cerebrum.Daemon.Configuration.DaemonOptions, Cerebrum.Daemon.Configuration.DaemonOptions>? configure = null)
    {
        var data = Path.Combine(root, "gateway");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "config.json"),
            $$"""{ "Gateway": { "Http": "127.0.0.1:0"{{gatewayConfig}} } }""", cancellationToken);
        return await TestDaemon.StartAsync(cancellationToken, dataDirectory: data, bootstrapPeers: bootstrapPeers, modes: ["gateway"], configure: configure);
    }

    public static GatewayService Gateway(this TestDaemon daemon) => daemon.Application.Services.GetRequiredService<GatewayService>();

    public static HttpClient HttpClient(this TestDaemon gateway) => new() { BaseAddress = gateway.Gateway().HttpUrl, Timeout = Timeout };

    /// <summary>Waits until the gateway routes <paramref name="model"/> to <paramref name="nodes"/> nodes; on timeout, says what it has.</summary>
    public static async Task WaitForRoutesAsync(this TestDaemon gateway, string model, int nodes)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (gateway.Gateway().Table.Routes(model).Count != nodes)
        {
            if (DateTime.UtcNow > deadline)
            {
                var network = gateway.Application.Network.Host;
                Assert.Fail($"the gateway routes '{model}' to {gateway.Gateway().Table.Routes(model).Count} node(s), not {nodes}, after {Timeout.TotalSeconds} s; " +
                    $"connected to {string.Join(", ", network.Connections.Select(c => c.RemotePeer))}; heartbeats from " +
                    string.Join(", ", gateway.Application.Services.GetRequiredService<Cerebrum.Daemon.Status.NodeDirectoryService>().Book.Snapshot().Select(e => e.Status.Node)));
            }
            await Task.Delay(20);
        }
    }

    public static async Task<string> RunCliOkAsync(params string[] args)
    {
        var (exitCode, stdout, stderr) = await CliHelpTests.RunAsync(args);
        Assert.That(exitCode, Is.Zero, stderr);
        return stdout;
    }

    /// <summary>The KServe v2 JSON body adding a and b, each [rows, 3] of consecutive numbers from <paramref name="start"/>.</summary>
    public static string AddRequest(float start, int rows = 1)
    {
        var a = Enumerable.Range(0, rows * 3).Select(i => start + i).ToArray();
        var b = Enumerable.Range(0, rows * 3).Select(i => 0.5f * i).ToArray();
        return JsonSerializer.Serialize(new
        {
            inputs = new object[]
            {
                new { name = "a", shape = new[] { rows, 3 }, datatype = "FP32", data = a },
                new { name = "b", shape = new[] { rows, 3 }, datatype = "FP32", data = b },
            },
        });
    }

    /// <summary>What the add model answers to <see cref="AddRequest"/>.</summary>
    public static float[] AddExpected(float start, int rows = 1) => [.. Enumerable.Range(0, rows * 3).Select(i => start + i + 0.5f * i)];

    public static float[] OutputData(JsonElement response, string output = "c") =>
        [.. response.GetProperty("outputs").EnumerateArray().Single(o => o.GetProperty("name").GetString() == output).GetProperty("data").EnumerateArray().Select(v => v.GetSingle())];

    public static async Task<(int Status, JsonElement Body)> PostJsonAsync(this HttpClient http, string path, string json, CancellationToken cancellationToken = default)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return ((int)response.StatusCode, body);
    }
}
