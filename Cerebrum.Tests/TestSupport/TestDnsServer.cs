using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// An authoritative-looking DNS server on loopback for tests: answers TXT questions from <see cref="Txt"/> (NXDOMAIN for
/// other names) over UDP and TCP on one port, written here from RFC 1035 independently of the client. With
/// <see cref="TruncateUdp"/> its UDP answers carry no records and the TC bit, so clients must ask again over TCP.
/// </summary>
internal sealed class TestDnsServer : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _udpQueries;
    private int _tcpQueries;

    public TestDnsServer()
    {
        _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)_udp.LocalEndPoint!).Port;
        _tcp = new TcpListener(IPAddress.Loopback, port);
        _tcp.Start();
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        _udpLoop = ServeUdpAsync(_stop.Token);
        _tcpLoop = ServeTcpAsync(_stop.Token);
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>TXT records by name (without the trailing dot), each record one string.</summary>
    public Dictionary<string, List<string>> Txt { get; } = new(StringComparer.OrdinalIgnoreCase);

    public bool TruncateUdp { get; set; }

    /// <summary>Drop UDP queries without answering (a server that is down).</summary>
    public bool Silent { get; set; }

    public int UdpQueries => Volatile.Read(ref _udpQueries);
    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    private async Task ServeUdpAsync(CancellationToken ct)
    {
        var buffer = new byte[4096];
        while (!ct.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Interlocked.Increment(ref _udpQueries);
            if (Silent)
                continue;
            var answer = Answer(buffer.AsSpan(0, received.ReceivedBytes), TruncateUdp);
            await _udp.SendToAsync(answer, SocketFlags.None, received.RemoteEndPoint, ct);
        }
    }

    private async Task ServeTcpAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _tcp.AcceptTcpClientAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            using (client)
            {
                Interlocked.Increment(ref _tcpQueries);
                var stream = client.GetStream();
                var prefix = new byte[2];
                await stream.ReadExactlyAsync(prefix, ct);
                var query = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
                await stream.ReadExactlyAsync(query, ct);
                var answer = Answer(query, truncate: false);
                var framed = new byte[answer.Length + 2];
                BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)answer.Length);
                answer.CopyTo(framed, 2);
                await stream.WriteAsync(framed, ct);
            }
        }
    }

    private byte[] Answer(ReadOnlySpan<byte> query, bool truncate)
    {
        // The question: labels from offset 12 to the zero byte, then QTYPE and QCLASS.
        var end = 12;
        var labels = new List<string>();
        while (query[end] != 0)
        {
            labels.Add(Encoding.ASCII.GetString(query.Slice(end + 1, query[end])));
            end += query[end] + 1;
        }
        var questionEnd = end + 1 + 4;
        var name = string.Join('.', labels);
        var qtype = BinaryPrimitives.ReadUInt16BigEndian(query[(end + 1)..]);
        var found = Txt.TryGetValue(name, out var records);
        var answers = found && qtype == 16 && !truncate ? records! : [];

        var response = new List<byte>();
        response.AddRange(query[..2].ToArray()); // id
        var flags = 0x8180 | (truncate ? 0x0200 : 0) | (found ? 0 : 3); // QR, RD, RA, TC, NXDOMAIN
        response.AddRange([(byte)(flags >> 8), (byte)flags, 0, 1, (byte)(answers.Count >> 8), (byte)answers.Count, 0, 0, 0, 0]);
        response.AddRange(query[12..questionEnd].ToArray());
        foreach (var record in answers)
        {
            var bytes = Encoding.UTF8.GetBytes(record);
            var data = new List<byte>();
            for (var offset = 0; offset < bytes.Length || offset == 0; offset += 255)
            {
                var chunk = bytes.AsSpan(offset, Math.Min(255, bytes.Length - offset));
                data.Add((byte)chunk.Length);
                data.AddRange(chunk.ToArray());
                if (bytes.Length == 0) break;
            }
            response.AddRange([0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 60, (byte)(data.Count >> 8), (byte)data.Count]);
            response.AddRange(data);
        }
        return [.. response];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _tcp.Stop();
        try
        {
            await Task.WhenAll(_udpLoop, _tcpLoop);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            TestContext.Out.WriteLine($"DNS test server stopped: {e.Message}");
        }
        _udp.Dispose();
        _stop.Dispose();
    }
}
