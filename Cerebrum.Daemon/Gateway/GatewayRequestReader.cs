using System.Globalization;
using System.Text;
using Cerebrum.Core.Gateway;
using Microsoft.AspNetCore.Http;

namespace Cerebrum.Daemon.Gateway;

/// <summary>Reads a request body within the size limit, and the request's deadline.</summary>
public static class GatewayRequestReader
{
    /// <summary>Header with which a client asks for a shorter deadline than Gateway:RequestTimeout, in milliseconds.</summary>
    public const string TimeoutHeader = "X-Cerebrum-Timeout-Ms";

    /// <exception cref="GatewayException">PayloadTooLarge beyond <paramref name="maxBytes"/>; BadRequest for an empty body or one that is not UTF-8.</exception>
    public static async Task<string> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
            throw TooLarge(request.ContentLength.Value, maxBytes);
        using var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 4096);
        try
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                    throw TooLarge(null, maxBytes);
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(null, maxBytes);
        }
        if (buffer.Length == 0)
            throw new GatewayException(GatewayErrorKind.BadRequest, "the request body is empty; send a JSON object");
        try
        {
            return new UTF8Encoding(false, true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (DecoderFallbackException)
        {
            throw new GatewayException(GatewayErrorKind.BadRequest, "the request body is not UTF-8 text");
        }
    }

    /// <summary>Now plus Gateway:RequestTimeout, or plus the client's shorter <see cref="TimeoutHeader"/>.</summary>
    /// <exception cref="GatewayException">BadRequest for a header that is not a positive whole number of milliseconds.</exception>
    public static DateTimeOffset Deadline(HttpRequest request, TimeSpan requestTimeout, DateTimeOffset now)
    {
        var timeout = requestTimeout;
        if (request.Headers.TryGetValue(TimeoutHeader, out var values))
        {
            if (values.Count != 1 || !long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms <= 0)
                throw new GatewayException(GatewayErrorKind.BadRequest, $"{TimeoutHeader} must be a positive whole number of milliseconds, not '{values}'");
            if (ms < requestTimeout.TotalMilliseconds) timeout = TimeSpan.FromMilliseconds(ms);
        }
        return now + timeout;
    }

    private static GatewayException TooLarge(long? length, long maxBytes) => new(GatewayErrorKind.PayloadTooLarge,
        length is { } l
            ? $"the request body of {l} bytes exceeds this gateway's limit of {maxBytes} bytes"
            : $"the request body exceeds this gateway's limit of {maxBytes} bytes");
}
