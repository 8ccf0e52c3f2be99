using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Cerebrum.Cli.Gateway;

/// <summary>
/// Calls a gateway's HTTP API for <c>infer --gateway</c> and <c>embed --gateway</c>. The API key comes from
/// <c>--api-key</c> or <c>$CEREBRUM_API_KEY</c> (none for an open gateway). A refusal becomes one
/// <see cref="CommandFailedException"/> line with the status and the gateway's message.
/// </summary>
public sealed class GatewayHttpClient : IDisposable
{
    public const string ApiKeyEnvironmentVariable = "CEREBRUM_API_KEY";

    private readonly HttpClient _http;

    private GatewayHttpClient(HttpClient http) => _http = http;

    /// <exception cref="CommandFailedException">The URL is not an absolute http(s) URL.</exception>
    public static GatewayHttpClient Create(string url, string? apiKey, TimeSpan timeout)
    {
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
            throw new CommandFailedException($"--gateway must be the gateway's base URL, e.g. http://127.0.0.1:8080, not '{url}'");
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout + TimeSpan.FromSeconds(5) };
        apiKey ??= Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(apiKey))
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey.Trim());
        http.DefaultRequestHeaders.Add("X-Cerebrum-Timeout-Ms", ((long)timeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return new GatewayHttpClient(http);
    }

    /// <summary>POSTs <paramref name="json"/> to <paramref name="path"/> and returns the response body of a 2xx answer.</summary>
    public async Task<string> PostAsync(string path, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        HttpResponseMessage response;
        try
        {
            response = await _http.PostAsync(path, content, cancellationToken);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new CommandFailedException($"cannot reach the gateway at {_http.BaseAddress} ({e.Message})");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CommandFailedException($"timeout: the gateway at {_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s");
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new CommandFailedException($"{(int)response.StatusCode} {response.ReasonPhrase}: {ErrorMessage(body)}");
            return body;
        }
    }

    // KServe errors are {"error": "..."}, OpenAI ones {"error": {"message": "..."}}.
    private static string ErrorMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error))
            {
                if (error.ValueKind == JsonValueKind.String) return error.GetString()!;
                if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
                    return message.GetString()!;
            }
        }
        catch (JsonException)
        {
        }
        return body.Length > 500 ? body[..500] : body;
    }

    public void Dispose() => _http.Dispose();
}
