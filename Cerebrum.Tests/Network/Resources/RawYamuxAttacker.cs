using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multistream;
using Cerebrum.Core.Network.Noise;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.Network.Resources;

/// <summary>
/// A hostile libp2p peer that does the real handshake (multistream, Noise, Yamux) and then writes Yamux frames by hand:
/// it opens streams, proposes a protocol on each and pushes as many bytes as the victim's windows allow, and never
/// grants the victim any window back, so the victim's handlers block on their replies while the attacker keeps
/// filling their receive buffers. It reads and discards whatever the victim sends, costing itself almost no memory, so
/// a test in the same process can measure what the victim holds.
/// </summary>
internal sealed class RawYamuxAttacker : IAsyncDisposable
{
    /// <summary>The window every yamux stream starts with in both directions (spec).</summary>
    public const int InitialWindow = 256 * 1024;

    private const int HeaderSize = 12;
    private const byte Data = 0, WindowUpdate = 1, Ping = 2;
    private const ushort Syn = 1, Ack = 2, Rst = 8;

    private static readonly byte[] Zeros = new byte[64 * 1024];

    private readonly Socket _socket;
    private readonly NoiseSecureStream _secure;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, AttackedStream> _streams = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;

    private RawYamuxAttacker(Socket socket, NoiseSecureStream secure, PeerId peerId)
    {
        PeerId = peerId;
        _socket = socket;
        _secure = secure;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>The attacker's identity, as the victim knows it.</summary>
    public PeerId PeerId { get; }

    /// <summary>Whether the victim ended the connection.</summary>
    public bool Closed { get; private set; }

    public IReadOnlyCollection<AttackedStream> Streams => [.. _streams.Values];

    public sealed class AttackedStream(uint id)
    {
        private long _credit = InitialWindow;
        private long _received;

        public uint Id { get; } = id;

        /// <summary>Bytes the victim still lets us send.</summary>
        public long Credit => Interlocked.Read(ref _credit);

        /// <summary>Bytes the victim sent on it (its multistream answer and its protocol's replies).</summary>
        public long Received => Interlocked.Read(ref _received);

        public bool Reset { get; internal set; }

        /// <summary>The victim accepted the stream (ACK) or refused it (RST): either way it is no longer pending.</summary>
        public bool Answered { get; internal set; }

        internal void Grant(long delta) => Interlocked.Add(ref _credit, delta);

        internal void Spend(long count) => Interlocked.Add(ref _credit, -count);

        internal void Receive(long count) => Interlocked.Add(ref _received, count);
    }

    /// <summary>Connects to <paramref name="victim"/> from <paramref name="localAddress"/> (127.0.0.1 by default) and does the handshake.</summary>
    public static async Task<RawYamuxAttacker> ConnectAsync(PeerHost victim, IPAddress? localAddress = null)
    {
        Assert.That(victim.ListenAddresses[0].TryGetTcpEndpoint(out var ip, out var port, out _, out _), Is.True);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(localAddress ?? IPAddress.Loopback, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(ip), port)).WaitAsync(TestHosts.Timeout);
            var raw = new NetworkStream(socket, ownsSocket: false);
            using var cts = new CancellationTokenSource(TestHosts.Timeout);
            await MultistreamSelect.SelectAsync(raw, [NoiseSecurity.ProtocolId], cts.Token);
            using var key = PrivateKey.Generate(KeyType.Ed25519);
            var secure = await NoiseSecurity.SecureOutboundAsync(raw, key, victim.PeerId, cts.Token);
            await MultistreamSelect.SelectAsync(secure, ["/yamux/1.0.0"], cts.Token);
            return new RawYamuxAttacker(socket, secure, key.PeerId);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Opens stream <paramref name="id"/> (odd: we dialed) and proposes <paramref name="protocol"/> on it at once.</summary>
    public async Task OpenAsync(uint id, string protocol)
    {
        var stream = new AttackedStream(id);
        _streams[id] = stream;
        var proposal = Proposal(protocol);
        var frames = new byte[2 * HeaderSize + proposal.Length];
        Header(frames, WindowUpdate, Syn, id, 0);
        Header(frames.AsSpan(HeaderSize), Data, 0, id, (uint)proposal.Length);
        proposal.CopyTo(frames.AsSpan(2 * HeaderSize));
        stream.Spend(proposal.Length);
        await WriteAsync(frames);
    }

    /// <summary>Sends <paramref name="bytes"/> on the stream at once (they must fit its credit).</summary>
    public async Task SendAsync(AttackedStream stream, byte[] bytes)
    {
        var frame = new byte[HeaderSize + bytes.Length];
        Header(frame, Data, 0, stream.Id, (uint)bytes.Length);
        bytes.CopyTo(frame.AsSpan(HeaderSize));
        stream.Spend(bytes.Length);
        await WriteAsync(frame);
    }

    /// <summary>Sends as much as the stream's credit allows (up to <paramref name="max"/>); returns the bytes sent.</summary>
    public async Task<long> PushAsync(AttackedStream stream, long max)
    {
        long sent = 0;
        while (sent < max && !stream.Reset && !Closed)
        {
            var chunk = (int)Math.Min(Math.Min(stream.Credit, Zeros.Length), max - sent);
            if (chunk <= 0)
                break;
            var frame = new byte[HeaderSize + chunk];
            Header(frame, Data, 0, stream.Id, (uint)chunk);
            stream.Spend(chunk);
            await WriteAsync(frame);
            sent += chunk;
        }
        return sent;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _reader.WaitAsync(TestHosts.Timeout);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
        {
        }
        await _secure.DisposeAsync();
        _writeLock.Dispose();
        _stop.Dispose();
    }

    private async Task WriteAsync(byte[] bytes)
    {
        await _writeLock.WaitAsync(_stop.Token);
        try
        {
            await _secure.WriteAsync(bytes, _stop.Token);
            await _secure.FlushAsync(_stop.Token);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[HeaderSize];
        var discard = new byte[64 * 1024];
        try
        {
            while (await _secure.ReadAtLeastAsync(header, HeaderSize, throwOnEndOfStream: false, _stop.Token) == HeaderSize)
            {
                var type = header[1];
                var flags = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(2));
                var id = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
                var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
                _streams.TryGetValue(id, out var stream);
                if (type == Data)
                {
                    for (long left = length; left > 0;)
                    {
                        var n = await _secure.ReadAsync(discard.AsMemory(0, (int)Math.Min(left, discard.Length)), _stop.Token);
                        if (n == 0) throw new EndOfStreamException();
                        left -= n;
                    }
                    stream?.Receive(length);
                }
                else if (type == WindowUpdate)
                {
                    stream?.Grant(length);
                }
                else if (type == Ping && (flags & Syn) != 0)
                {
                    var pong = new byte[HeaderSize];
                    Header(pong, Ping, Ack, 0, length);
                    await WriteAsync(pong);
                }
                if ((flags & Rst) != 0 && stream is not null)
                    stream.Reset = true;
                if ((flags & (Ack | Rst)) != 0 && stream is not null)
                    stream.Answered = true;
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException or EndOfStreamException)
        {
        }
        finally
        {
            Closed = true;
        }
    }

    private static byte[] Proposal(string protocol)
    {
        using var buffer = new MemoryStream();
        foreach (var line in new[] { "/multistream/1.0.0\n", protocol + "\n" })
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            buffer.WriteByte((byte)bytes.Length); // both lines are shorter than 128 bytes: a one-byte varint
            buffer.Write(bytes);
        }
        return buffer.ToArray();
    }

    private static void Header(Span<byte> into, byte type, ushort flags, uint id, uint length)
    {
        into[0] = 0;
        into[1] = type;
        BinaryPrimitives.WriteUInt16BigEndian(into[2..], flags);
        BinaryPrimitives.WriteUInt32BigEndian(into[4..], id);
        BinaryPrimitives.WriteUInt32BigEndian(into[8..], length);
    }
}
