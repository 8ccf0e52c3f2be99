using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Cerebrum.Tests.Cli;
using Cerebrum.Tests.Daemon;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// A gateway that requires API keys, in-process on 127.0.0.1, administered with <c>cerebrum gateway key</c>: before the
/// daemon starts (the key store directly) and while it runs (through the admin API).
/// </summary>
[TestFixture]
public sealed class GatewayApiKeyEndToEndTests
{
    [Test]
    public async Task AKeysRequestsInFlight_AreCapped()
    {
        // Issue 13 item 13: without a cap, one key holding slow requests could take every slot of the gateway.
        using var cts = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        using var directory = TemporaryDirectory.Create();
        var data = Path.Combine(directory.Path, "gateway");
        var appKey = (await GatewayTestNetwork.RunCliOkAsync("gateway", "key", "create", "--name", "app", "--data-dir", data)).Trim();
        var otherKey = (await GatewayTestNetwork.RunCliOkAsync("gateway", "key", "create", "--name", "other", "--data-dir", data)).Trim();
        await using var gateway = await GatewayTestNetwork.StartGatewayAsync(directory.Path, [], """, "MaxConcurrentRequestsPerKey": 2""", cts.Token);
        using var http = gateway.HttpClient();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = Enumerable.Range(0, 2).Select(_ => PostHeldAsync(http, appKey, release.Task, cts.Token)).ToList();
        while (gateway.Gateway().Concurrency.InFlight("app") < 2)
        {
            Assert.That(held.Where(t => t.IsCompleted), Is.Empty, "the held requests are still in flight");
            await Task.Delay(20, cts.Token);
        }

        using var third = await GetAsync(http, "v1/models", appKey);
        using var otherKeys = await GetAsync(http, "v1/models", otherKey);
        release.SetResult();
        var answers = await Task.WhenAll(held).WaitAsync(cts.Token);
        using var afterwards = await GetAsync(http, "v1/models", appKey);

        Assert.That((int)third.StatusCode, Is.EqualTo(429));
        Assert.That(await third.Content.ReadAsStringAsync(), Does.Contain("API key 'app' already has 2 requests in flight"));
        Assert.That(otherKeys.StatusCode, Is.EqualTo(HttpStatusCode.OK), "another key is not held up");
        Assert.That(answers, Has.All.EqualTo(HttpStatusCode.NotFound), "the held requests ran to their answer (no such model)");
        Assert.That(afterwards.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(gateway.Gateway().Concurrency.InFlight("app"), Is.Zero);
    }

    /// <summary>POSTs an embeddings request whose body stops half-way until <paramref name="release"/> completes.</summary>
    private static async Task<HttpStatusCode> PostHeldAsync(HttpClient http, string key, Task release, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/embeddings") { Content = new HeldBody(release) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    private sealed class HeldBody(Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync("{\"model\":"u8.ToArray());
            await stream.FlushAsync();
            await release;
            await stream.WriteAsync("\"nope\",\"input\":\"x\"}"u8.ToArray());
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }

    [Test]
    public async Task Keys_AreRequired_RateLimited_AndRevocable()
    {
        using var cts = new CancellationTokenSource(GatewayTestNetwork.Timeout);
        using var directory = TemporaryDirectory.Create();
        var data = Path.Combine(directory.Path, "gateway");
        var appKey = (await GatewayTestNetwork.RunCliOkAsync("gateway", "key", "create", "--name", "app", "--data-dir", data)).Trim();

        await using var gateway = await GatewayTestNetwork.StartGatewayAsync(directory.Path, [], "", cts.Token);
        using var http = gateway.HttpClient();
        // Created while the daemon runs: through its admin API, effective at once.
        var limitedKey = (await GatewayTestNetwork.RunCliOkAsync("gateway", "key", "create", "--name", "limited", "--rate", "1/m", "--data-dir", data)).Trim();

        using var missing = await GetAsync(http, "v1/models", null);
        using var wrong = await GetAsync(http, "v2", appKey + "x");
        using var valid = await GetAsync(http, "v1/models", appKey);
        using var health = await GetAsync(http, "v2/health/live", null);
        using var limitedFirst = await GetAsync(http, "v2", limitedKey);
        using var limitedSecond = await GetAsync(http, "v2", limitedKey);

        Assert.That(appKey, Does.StartWith("cbr_"));
        Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(missing.Headers.WwwAuthenticate.ToString(), Is.EqualTo("Bearer"));
        using (var error = JsonDocument.Parse(await missing.Content.ReadAsStringAsync()))
        {
            Assert.That(error.RootElement.GetProperty("error").GetProperty("message").GetString(), Does.StartWith("missing API key"));
            Assert.That(error.RootElement.GetProperty("error").GetProperty("code").GetString(), Is.EqualTo("invalid_api_key"));
        }
        Assert.That(wrong.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(await wrong.Content.ReadAsStringAsync(), Does.Contain("invalid API key"));
        Assert.That(valid.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK), "health probes need no key");
        Assert.That(limitedFirst.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((int)limitedSecond.StatusCode, Is.EqualTo(429));
        Assert.That(limitedSecond.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.FromSeconds(50)).And.LessThanOrEqualTo(TimeSpan.FromSeconds(60)));
        Assert.That(await limitedSecond.Content.ReadAsStringAsync(), Does.Contain("rate limit of API key 'limited'"));

        var listed = await GatewayTestNetwork.RunCliOkAsync("gateway", "key", "list", "--json", "--data-dir", data);
        using (var keys = JsonDocument.Parse(listed))
        {
            Assert.That(keys.RootElement.EnumerateArray().Select(k => k.GetProperty("name").GetString()), Is.EqualTo(new[] { "app", "limited" }));
            Assert.That(listed, Does.Not.Contain(appKey[4..]).And.Not.Contain(limitedKey[4..]), "keys are never shown again");
        }
        Assert.That(await GatewayTestNetwork.RunCliOkAsync("gateway", "key", "revoke", "app", "--data-dir", data), Is.EqualTo("revoked app" + Environment.NewLine));
        using var revoked = await GetAsync(http, "v1/models", appKey);
        Assert.That(revoked.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("gateway", "key", "revoke", "app", "--data-dir", data);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr.TrimEnd(), Is.EqualTo("error: no API key named 'app'"));
    }

    [TestCase("0/s")]
    [TestCase("ten")]
    [TestCase("5/week")]
    public async Task ABadRate_IsRefusedWithAClearMessage(string rate)
    {
        using var directory = TemporaryDirectory.Create();

        var (exitCode, _, stderr) = await CliHelpTests.RunAsync("gateway", "key", "create", "--name", "x", "--rate", rate, "--data-dir", directory.Path);

        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(stderr, Does.StartWith($"error: --rate must be a positive number of requests per second, minute or hour, e.g. 10/s, 600/m; not '{rate}'"));
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient http, string path, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http.SendAsync(request);
    }
}
