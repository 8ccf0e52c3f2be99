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

    /// <summary>
    /// How much of an oversized body is read and discarded before answering 413: a client still sending when the
    /// answer comes would otherwise see its connection reset instead of the 413. Kestrel's own limit is set to this.
    /// </summary>
    public static long DrainLimit(long maxBytes) => maxBytes > long.MaxValue / 4 ? long.MaxValue : Math.Max(maxBytes * 4, maxBytes + 1024 * 1024);

    /// <exception cref="GatewayException">PayloadTooLarge beyond <paramref name="maxBytes"/>; BadRequest for an empty body or one that is not UTF-8.</exception>
    public static async Task<string> ReadBodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        var body = await ReadUtf8BodyAsync(request, maxBytes, cancellationToken);
        return new UTF8Encoding(false, true).GetString(body.Span);
    }

    /// <summary>The body as UTF-8 bytes, checked to be UTF-8, without a copy as UTF-16 text.</summary>
    /// <exception cref="GatewayException">PayloadTooLarge beyond <paramref name="maxBytes"/>; BadRequest for an empty body or one that is not UTF-8.</exception>
    public static async Task<ReadOnlyMemory<byte>> ReadUtf8BodyAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        var declared = request.ContentLength;
        if (declared > DrainLimit(maxBytes))
            throw TooLarge(declared.Value, maxBytes);
        using var buffer = new MemoryStream(declared is { } length && length <= maxBytes ? (int)length : 4096);
        try
        {
            var chunk = new byte[16 * 1024];
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                total += read;
                if (total <= maxBytes)
                    buffer.Write(chunk, 0, read);
            }
            if (total > maxBytes)
                throw TooLarge(declared, maxBytes);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(null, maxBytes);
        }
        if (buffer.Length == 0)
            throw new GatewayException(GatewayErrorKind.BadRequest, "the request body is empty; send a JSON object");
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
            throw new GatewayException(GatewayErrorKind.BadRequest, "the request body is not UTF-8 text");
        return body;
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
