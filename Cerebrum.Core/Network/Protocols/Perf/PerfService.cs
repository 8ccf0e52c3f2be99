using System.Buffers;
using System.Buffers.Binary;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Streams;

namespace Cerebrum.Core.Network.Protocols.Perf;

/// <summary>
/// The libp2p perf protocol (/perf/1.0.0, libp2p/specs perf/perf.md): the client sends an 8-byte big-endian
/// count of bytes it wants back, then uploads until it half-closes; the server discards the upload and then sends
/// the requested bytes. The client side always works; the server side only as <see cref="PerfOptions"/> allow (off by
/// default, optionally for chosen peers only, bounded in bytes per stream and in streams at once).
/// </summary>
public sealed class PerfService : IPeerService
{
    public const string ProtocolId = "/perf/1.0.0";
    private const int ChunkSize = 256 * 1024;
    private static readonly byte[] Zeros = new byte[ChunkSize];
    private readonly TimeProvider _time;
    private readonly PerfOptions _options;
    private int _serving;

    internal PerfService(TimeProvider time, PerfOptions options)
    {
        options.Validate();
        _time = time;
        _options = options;
        Handlers = options.Enabled
            ? new Dictionary<string, ProtocolHandler>(StringComparer.Ordinal) { [ProtocolId] = HandleAsync }
            : new Dictionary<string, ProtocolHandler>(StringComparer.Ordinal);
    }

    /// <summary>The perf handler when serving is enabled; none otherwise.</summary>
    public IReadOnlyDictionary<string, ProtocolHandler> Handlers { get; }

    /// <summary>Runs perf over <paramref name="streams"/> parallel streams; the byte counts are totals split across them.</summary>
    public async Task<PerfResult> RunAsync(Connection connection, long uploadBytes, long downloadBytes, int streams = 1, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(uploadBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(downloadBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streams);
        var start = _time.GetTimestamp();
        var runs = Enumerable.Range(0, streams).Select(i => RunStreamAsync(connection,
            Share(uploadBytes, streams, i), Share(downloadBytes, streams, i), start, ct)).ToArray();
        var results = await Task.WhenAll(runs).ConfigureAwait(false);
        var total = _time.GetElapsedTime(start);
        var uploadEnd = results.Max(r => r.UploadEnd);
        return new PerfResult(uploadBytes, downloadBytes, streams, uploadEnd, total - uploadEnd, total);
    }

    private static long Share(long total, int parts, int index) => total / parts + (index < total % parts ? 1 : 0);

    private async Task<(TimeSpan UploadEnd, long Received)> RunStreamAsync(Connection connection, long upload, long download, long start, CancellationToken ct)
    {
        await using var stream = await connection.OpenStreamAsync(ProtocolId, ct).ConfigureAwait(false);
        var header = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(header, (ulong)download);
        await stream.Stream.WriteAsync(header, ct).ConfigureAwait(false);
        await WriteZerosAsync(stream.Stream, upload, ct).ConfigureAwait(false);
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);

        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long received = 0;
            TimeSpan? uploadEnd = null;
            while (true)
            {
                var n = await stream.Stream.ReadAsync(buffer.AsMemory(0, ChunkSize), ct).ConfigureAwait(false);
                uploadEnd ??= _time.GetElapsedTime(start);
                if (n == 0) break;
                received += n;
            }
            if (received != download)
                throw new InvalidDataException($"perf server sent {received} bytes, {download} were requested");
            return (uploadEnd.Value, received);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Nothing runs in the background: every run is the caller's.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Serves one perf stream; a refusal throws, and the stream router then resets the stream.</summary>
    private async Task HandleAsync(ProtocolStream stream, CancellationToken ct)
    {
        var peer = stream.Connection.RemotePeer;
        if (_options.AllowedPeers.Count > 0 && !_options.AllowedPeers.Contains(peer))
            throw new InvalidOperationException($"{peer} is not among the peers allowed to run perf here");
        if (Interlocked.Increment(ref _serving) > _options.MaxConcurrentStreams)
        {
            Interlocked.Decrement(ref _serving);
            throw new InvalidOperationException($"already serving {_options.MaxConcurrentStreams} perf streams");
        }
        try
        {
            await ServeAsync(stream, ct).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _serving);
        }
    }

    private async Task ServeAsync(ProtocolStream stream, CancellationToken ct)
    {
        var header = new byte[8];
        await stream.Stream.ReadExactlyAsync(header, ct).ConfigureAwait(false);
        var toSend = BinaryPrimitives.ReadUInt64BigEndian(header);
        if (toSend > (ulong)_options.MaxBytesPerStream)
            throw new InvalidDataException($"perf request for {toSend} bytes, above the limit of {_options.MaxBytesPerStream} per stream");
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long uploaded = 0;
            int n;
            while ((n = await stream.Stream.ReadAsync(buffer.AsMemory(0, ChunkSize), ct).ConfigureAwait(false)) > 0)
            {
                uploaded += n;
                if (uploaded > _options.MaxBytesPerStream)
                    throw new InvalidDataException($"perf upload above the limit of {_options.MaxBytesPerStream} bytes per stream");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        await WriteZerosAsync(stream.Stream, (long)toSend, ct).ConfigureAwait(false);
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
    }

    private static async Task WriteZerosAsync(Stream stream, long count, CancellationToken ct)
    {
        while (count > 0)
        {
            var n = (int)Math.Min(count, ChunkSize);
            await stream.WriteAsync(Zeros.AsMemory(0, n), ct).ConfigureAwait(false);
            count -= n;
        }
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }
}
