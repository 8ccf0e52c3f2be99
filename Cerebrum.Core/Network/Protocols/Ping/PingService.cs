using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Cerebrum.Core.Common;
using Cerebrum.Core.Network.Connections;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Peers;
using Cerebrum.Core.Network.Streams;
using Microsoft.Extensions.Logging;

namespace Cerebrum.Core.Network.Protocols.Ping;

/// <summary>
/// ping (/ipfs/ping/1.0.0): 32 random bytes echoed back; the round trip is the latency, kept on the connection and in
/// the peer store. Pings every connection periodically and closes one whose pings keep failing.
/// </summary>
public sealed class PingService : IPeerService
{
    public const string ProtocolId = "/ipfs/ping/1.0.0";
    public const int PayloadSize = 32;

    /// <summary>Consecutive failed pings that close a connection.</summary>
    private const int MaxFailures = 3;

    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private readonly PeerStore _peerStore;
    private readonly ILogger _logger;
    private readonly BackgroundTasks _tasks;

    /// <param name="interval">How often each connection is pinged; zero: never.</param>
    internal PingService(TimeProvider time, TimeSpan interval, PeerStore peerStore, ILogger logger)
    {
        _time = time;
        _interval = interval;
        _peerStore = peerStore;
        _logger = logger;
        _tasks = new BackgroundTasks(logger);
        Handlers = new Dictionary<string, ProtocolHandler>(StringComparer.Ordinal) { [ProtocolId] = HandleAsync };
    }

    public IReadOnlyDictionary<string, ProtocolHandler> Handlers { get; }

    /// <summary>Starts the connection's ping loop (unless pinging is off).</summary>
    public void OnConnectionOpened(Connection connection)
    {
        if (_interval > TimeSpan.Zero)
            _tasks.Run($"ping {connection}", ct => PingLoopAsync(connection, ct));
    }

    /// <summary>One round trip on a fresh stream, recorded as the connection's and the peer's latency.</summary>
    public async Task<TimeSpan> PingAsync(Connection connection, CancellationToken ct = default)
    {
        await foreach (var rtt in PingManyAsync(connection, 1, ct).ConfigureAwait(false))
        {
            connection.LastRtt = rtt;
            _peerStore.Update(connection.RemotePeer, info => info with { LastRtt = rtt });
            return rtt;
        }
        throw new InvalidOperationException("ping produced no result");
    }

    public ValueTask DisposeAsync() => _tasks.DisposeAsync();

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

    private async Task PingLoopAsync(Connection connection, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        var failures = 0;
        while (!connection.IsClosed && await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
        {
            if (connection.IsClosed) return;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(_interval < TimeSpan.FromSeconds(10) ? _interval : TimeSpan.FromSeconds(10));
                await PingAsync(connection, timeout.Token).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                if (e is ProtocolNotSupportedException) return; // a peer without ping is not a dead peer
                if (++failures >= MaxFailures)
                {
                    _logger.LogInformation("Closing connection to {Peer}: {Failures} pings failed ({Reason})", connection.RemotePeer, failures, e.Message);
                    await connection.DisposeAsync().ConfigureAwait(false);
                    return;
                }
            }
        }
    }

    /// <summary>Echoes 32-byte payloads until the remote closes its side.</summary>
    private async Task HandleAsync(ProtocolStream stream, CancellationToken ct)
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
