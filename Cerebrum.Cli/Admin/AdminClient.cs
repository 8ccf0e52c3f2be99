using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cerebrum.Core.Operator;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Admin;

/// <summary>
/// Talks to a local daemon's admin API, authenticated by the cookie in its data directory, with the daemon's own
/// request and response records (<see cref="AdminJsonContext"/>). Every failure becomes a
/// <see cref="CommandFailedException"/> that says what to do: start the daemon, or what the daemon answered.
/// </summary>
public sealed class AdminClient : IDisposable
{
    private static AdminJsonContext Contracts => AdminJsonContext.Default;

    private readonly HttpClient _http;
    private readonly DataDirectory _directory;

    private AdminClient(HttpClient http, DataDirectory directory)
    {
        _http = http;
        _directory = directory;
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <exception cref="CommandFailedException">No daemon advertises itself in <paramref name="directory"/>.</exception>
    public static AdminClient Open(DataDirectory directory)
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

    /// <summary>Whether a daemon advertises its admin API in <paramref name="directory"/> (it may still have died since).</summary>
    public static bool IsAdvertised(DataDirectory directory) => File.Exists(directory.AdminUrlPath);

    /// <param name="path">One of <see cref="AdminRoutes"/>.</param>
    public Task<T> GetAsync<T>(string path, JsonTypeInfo<T> response, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Get, path), response, cancellationToken);

    public Task<T> PostAsync<TRequest, T>(string path, TRequest body, JsonTypeInfo<TRequest> request, JsonTypeInfo<T> response, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, request) }, response, cancellationToken);

    /// <summary>Posts without a body (an action such as issuing a dashboard link).</summary>
    public Task<T> PostAsync<T>(string path, JsonTypeInfo<T> response, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, path), response, cancellationToken);

    /// <summary>Posts raw bytes (<c>application/octet-stream</c>), e.g. a signed transaction.</summary>
    public Task<T> PostBytesAsync<T>(string path, byte[] body, JsonTypeInfo<T> response, CancellationToken cancellationToken)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = content }, response, cancellationToken);
    }

    public Task<T> DeleteAsync<T>(string path, JsonTypeInfo<T> response, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Delete, path), response, cancellationToken);

    private async Task<T> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
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
                try
                {
                    return await response.Content.ReadFromJsonAsync(type, cancellationToken)
                        ?? throw new CommandFailedException($"the daemon sent an empty answer to {request.Method} {request.RequestUri}");
                }
                catch (JsonException e)
                {
                    throw new CommandFailedException($"the daemon's answer to {request.Method} {request.RequestUri} is not what this cerebrum expects (is it another version?): {e.Message}");
                }
            }
        }
    }

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            if (await response.Content.ReadFromJsonAsync(Contracts.AdminError, cancellationToken) is { Error.Length: > 0 } error)
                return error.Code is null ? error.Error : $"{error.Error} ({error.Code})";
        }
        catch (JsonException)
        {
            // Not our JSON error body: fall through to the status line.
        }
        return $"the daemon answered {(int)response.StatusCode} {response.ReasonPhrase}";
    }

    private static CommandFailedException NotRunning(DataDirectory directory, string detail) =>
        new($"the daemon is not running ({detail}); start it with 'cerebrumd run --data-dir {directory.Root}'");

    public void Dispose() => _http.Dispose();
}
