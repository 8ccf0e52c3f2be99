using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Cerebrum.Cli.Admin;

/// <summary>
/// Talks to a local daemon's admin API, authenticated by the cookie in its data directory. Every failure becomes a
/// <see cref="CommandFailedException"/> that says what to do: start the daemon, or what the daemon answered.
/// </summary>
public sealed class AdminClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly HttpClient _http;
    private readonly DaemonDirectory _directory;

    private AdminClient(HttpClient http, DaemonDirectory directory)
    {
        _http = http;
        _directory = directory;
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <exception cref="CommandFailedException">No daemon advertises itself in <paramref name="directory"/>.</exception>
    public static AdminClient Open(DaemonDirectory directory)
    {
        string url, cookie;
        try
        {
            url = File.ReadAllText(directory.AdminUrlPath).Trim();
            cookie = File.ReadAllText(directory.CookiePath).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NotRunning(directory, $"no {Path.GetFileName(e is FileNotFoundException f ? f.FileName : directory.AdminUrlPath)} in {directory.Root}");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CommandFailedException($"cannot read the admin cookie {directory.CookiePath}: run as the user that runs the daemon");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseAddress))
            throw new CommandFailedException($"{directory.AdminUrlPath} does not hold a URL ('{url}')");
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cookie);
        return new AdminClient(http, directory);
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    public Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Json) }, cancellationToken);

    /// <summary>Posts raw bytes (<c>application/octet-stream</c>), e.g. a signed transaction.</summary>
    public Task<T> PostBytesAsync<T>(string path, byte[] body, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, cancellationToken);
    }
    public Task<T> DeleteAsync<T>(string path, CancellationToken cancellationToken) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Delete, path), cancellationToken);

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException || e.HttpRequestError == HttpRequestError.ConnectionError)
            {
                throw NotRunning(_directory, $"cannot reach its admin API at {_http.BaseAddress} ({e.Message})");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new CommandFailedException($"the daemon's admin API at {_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s");
            }
            using (response)
            {
                if (!response.IsSuccessStatusCode)
                    throw new CommandFailedException(await ReadErrorAsync(response, cancellationToken));
                return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                    ?? throw new CommandFailedException($"the daemon sent an empty answer to {request.Method} {request.RequestUri}");
            }
        }
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        try
        {
            var error = await response.Content.ReadFromJsonAsync<AdminErrorResponse>(Json, cancellationToken);
            if (!string.IsNullOrEmpty(error?.Error))
                return error.Code is null ? error.Error : $"{error.Error} ({error.Code})";
        }
        catch (JsonException)
        {
            // Not our JSON error body: fall through to the status line.
        }
        return $"the daemon answered {status} {response.ReasonPhrase}";
    }

    private static CommandFailedException NotRunning(DaemonDirectory directory, string detail) =>
        new($"the daemon is not running ({detail}); start it with 'cerebrumd run --data-dir {directory.Root}'");

    public void Dispose() => _http.Dispose();
}
