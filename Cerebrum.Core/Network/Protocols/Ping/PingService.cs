using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Cerebrum.Core.Network.Protocols.Ping;

/// <summary>ping (/ipfs/ping/1.0.0): 32 random bytes echoed back; the round trip is the latency.</summary>
public sealed class PingService
{
    public const string ProtocolId = "/ipfs/ping/1.0.0";
    public const int PayloadSize = 32;

    private readonly TimeProvider _time;

    internal PingService(TimeProvider time) => _time = time;

    /// <summary>One round trip on a fresh stream.</summary>
    public async Task<TimeSpan> PingAsync(Connection connection, CancellationToken ct = default)
    {
        await foreach (var rtt in PingManyAsync(connection, 1, ct).ConfigureAwait(false))
            return rtt;
        throw new InvalidOperationException("ping produced no result");
    }

    /// <summary><paramref name="count"/> round trips on one stream, yielded as they complete.</summary>
    /// <exception cref="InvalidDataException">The peer answered with other bytes or closed early.</exception>
    public async IAsyncEnumerable<TimeSpan> PingManyAsync(Connection connection, int count, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        await using var stream = await connection.OpenStreamAsync(ProtocolId, ct).ConfigureAwait(false);
        var sent = new byte[PayloadSize];
        var received = new byte[PayloadSize];
        for (var i = 0; i < count; i++)
        {
            RandomNumberGenerator.Fill(sent);
            var start = _time.GetTimestamp();
            await stream.Stream.WriteAsync(sent, ct).ConfigureAwait(false);
            await stream.Stream.FlushAsync(ct).ConfigureAwait(false);
            var read = await stream.Stream.ReadAtLeastAsync(received, PayloadSize, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            var rtt = _time.GetElapsedTime(start);
            if (read < PayloadSize)
                throw new InvalidDataException("the peer closed the ping stream before answering");
            if (!sent.AsSpan().SequenceEqual(received))
                throw new InvalidDataException("the peer answered the ping with different bytes");
            yield return rtt;
        }
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Echoes 32-byte payloads until the remote closes its side.</summary>
    internal async Task HandleAsync(ProtocolStream stream, CancellationToken ct)
    {
        var buffer = new byte[PayloadSize];
        while (true)
        {
            var read = await stream.Stream.ReadAtLeastAsync(buffer, PayloadSize, throwOnEndOfStream: false, ct).ConfigureAwait(false);
            if (read == 0) break;
            if (read < PayloadSize)
                throw new InvalidDataException($"ping payload of {read} bytes, expected {PayloadSize}");
            await stream.Stream.WriteAsync(buffer, ct).ConfigureAwait(false);
            await stream.Stream.FlushAsync(ct).ConfigureAwait(false);
        }
        await stream.CompleteWritesAsync(ct).ConfigureAwait(false);
    }
}
