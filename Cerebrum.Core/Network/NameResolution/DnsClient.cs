using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Cerebrum.Core.Network.NameResolution;

/// <summary>
/// A small stub resolver for the record types the OS resolver does not expose (TXT, for /dnsaddr): asks the configured
/// (or resolv.conf's) recursive servers over UDP, in turn, with a random query id and a fresh socket per attempt; an
/// answer must come from the server asked and match the id and question; a truncated answer is asked again over TCP.
/// NXDOMAIN is an empty answer; a server failure moves on to the next server.
/// </summary>
public sealed class DnsClient
{
    private const int MaxTcpResponse = 65535;
    private readonly DnsClientOptions _options;

    public DnsClient(DnsClientOptions? options = null)
    {
        _options = options ?? new DnsClientOptions();
        if (_options.Attempts < 1 || _options.AttemptTimeout <= TimeSpan.Zero)
            throw new ArgumentException("DNS attempts must be at least 1 and the timeout positive");
    }

    /// <summary>The TXT strings of <paramref name="name"/> (each record's strings joined); empty when the name does not exist.</summary>
    /// <exception cref="DnsException">No server gave an answer.</exception>
    public async Task<IReadOnlyList<string>> QueryTxtAsync(string name, CancellationToken ct = default)
    {
        var response = await QueryAsync(name, DnsRecordType.Txt, ct).ConfigureAwait(false);
        return [.. response.Answers.Where(a => a.Type == DnsRecordType.Txt).Select(a => a.Data)];
    }

    /// <summary>Asks for <paramref name="type"/> records of <paramref name="name"/>.</summary>
    /// <exception cref="DnsException">No server gave an answer.</exception>
    public async Task<DnsResponse> QueryAsync(string name, DnsRecordType type, CancellationToken ct = default)
    {
        var servers = _options.Servers.Count > 0 ? _options.Servers : ResolvConf.ReadSystem();
        if (servers.Count == 0)
            throw new DnsException("no DNS server configured (none given and none in /etc/resolv.conf)");
        var failures = new List<string>();
        for (var attempt = 0; attempt < _options.Attempts; attempt++)
        {
            foreach (var server in servers)
            {
                var id = (ushort)RandomNumberGenerator.GetInt32(ushort.MaxValue + 1);
                var query = DnsMessage.EncodeQuery(id, name, type);
                try
                {
                    var response = await AskUdpAsync(server, query, id, name, type, ct).ConfigureAwait(false);
                    if (response.Truncated)
                        response = await AskTcpAsync(server, query, id, name, type, ct).ConfigureAwait(false);
                    if (response.ResponseCode is DnsResponse.NoError or DnsResponse.NameError)
                        return response;
                    failures.Add($"{server}: response code {response.ResponseCode}");
                }
                catch (Exception e) when (e is SocketException or FormatException or TimeoutException or IOException)
                {
                    failures.Add($"{server}: {e.Message}");
                }
            }
        }
        throw new DnsException($"no answer for {name} ({type}): {string.Join("; ", failures)}");
    }

    private async Task<DnsResponse> AskUdpAsync(IPEndPoint server, byte[] query, ushort id, string name, DnsRecordType type, CancellationToken ct)
    {
        using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.AttemptTimeout);
        await socket.ConnectAsync(server, timeout.Token).ConfigureAwait(false); // a connected socket takes datagrams from the server only
        await socket.SendAsync(query, SocketFlags.None, timeout.Token).ConfigureAwait(false);
        var buffer = new byte[4096];
        while (true)
        {
            int received;
            try
            {
                received = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s");
            }
            DnsResponse response;
            try
            {
                response = DnsMessage.Decode(buffer.AsSpan(0, received));
            }
            catch (FormatException)
            {
                continue; // not an answer to us (or garbage): keep waiting for the real one until the timeout
            }
            if (Matches(response, id, name, type))
                return response;
        }
    }

    private async Task<DnsResponse> AskTcpAsync(IPEndPoint server, byte[] query, ushort id, string name, DnsRecordType type, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.AttemptTimeout);
        try
        {
            using var client = new TcpClient(server.AddressFamily);
            await client.ConnectAsync(server, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var framed = new byte[query.Length + 2];
            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)query.Length);
            query.CopyTo(framed, 2);
            await stream.WriteAsync(framed, timeout.Token).ConfigureAwait(false);
            var prefix = new byte[2];
            await stream.ReadExactlyAsync(prefix, timeout.Token).ConfigureAwait(false);
            var length = BinaryPrimitives.ReadUInt16BigEndian(prefix);
            if (length > MaxTcpResponse)
                throw new FormatException("oversized DNS answer");
            var answer = new byte[length];
            await stream.ReadExactlyAsync(answer, timeout.Token).ConfigureAwait(false);
            var response = DnsMessage.Decode(answer);
            if (!Matches(response, id, name, type))
                throw new FormatException("the DNS answer over TCP is not for our question");
            return response;
        }
        catch (EndOfStreamException e)
        {
            throw new IOException("the DNS server closed the TCP connection early", e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer over TCP within {_options.AttemptTimeout.TotalSeconds:0.#} s");
        }
    }

    private static bool Matches(DnsResponse response, ushort id, string name, DnsRecordType type) =>
        response.Id == id && response.QuestionType == type && string.Equals(response.QuestionName, name.TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
}
