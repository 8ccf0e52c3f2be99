using System.Net.Sockets;
using System.Text;

namespace Cerebrum.Tests.Daemon.ServiceManager;

/// <summary>The service manager's end of sd_notify: a datagram socket that collects what the daemon reports.</summary>
internal sealed class NotifySocketReceiver : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<string> _received = [];

    /// <param name="name">A socket path, or an abstract name starting with '@', as NOTIFY_SOCKET spells them.</param>
    public NotifySocketReceiver(string name)
    {
        Name = name;
        _socket.Bind(new UnixDomainSocketEndPoint(name[0] == '@' ? "\0" + name[1..] : name));
    }

    public string Name { get; }

    /// <summary>Every datagram so far, in arrival order.</summary>
    public IReadOnlyList<string> Received => _received;

    public async Task<string> ReceiveAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        int length;
        try
        {
            length = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no notification within {timeout}; received so far: [{string.Join(" | ", _received)}]");
        }
        var text = Encoding.UTF8.GetString(buffer, 0, length);
        _received.Add(text);
        return text;
    }

    /// <summary>Receives until a datagram holds the line <paramref name="assignment"/>, and returns that datagram.</summary>
    public async Task<string> ReceiveUntilAsync(string assignment, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
                throw new TimeoutException($"no {assignment} within {timeout}; received: [{string.Join(" | ", _received)}]");
            var datagram = await ReceiveAsync(remaining);
            if (datagram.Split('\n').Contains(assignment))
                return datagram;
        }
    }

    public void Dispose() => _socket.Dispose();
}
