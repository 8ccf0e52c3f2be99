using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Cerebrum.Daemon.ServiceManager;

/// <summary>
/// The sd_notify(3) protocol: state changes (<c>READY=1</c>, <c>STOPPING=1</c>, <c>WATCHDOG=1</c>, <c>STATUS=…</c>)
/// sent as datagrams to the AF_UNIX socket systemd names in <c>NOTIFY_SOCKET</c>. With it a unit of
/// <c>Type=notify</c> is "started" only once the daemon listens, and <c>WatchdogSec=</c> restarts a daemon that stops
/// answering. Written here rather than taken from Microsoft.Extensions.Hosting.Systemd because that one only notifies
/// when its parent process is systemd itself and says "ready" before the daemon has announced its addresses.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endpoint;
    private readonly Lock _sendLock = new();

    private SystemdNotifier(Socket socket, UnixDomainSocketEndPoint endpoint, string socketName)
    {
        _socket = socket;
        _endpoint = endpoint;
        SocketName = socketName;
    }

    /// <summary>The socket as <c>NOTIFY_SOCKET</c> named it (a leading <c>@</c> is Linux's abstract namespace).</summary>
    public string SocketName { get; }

    /// <summary>A notifier for the socket in <c>NOTIFY_SOCKET</c>, or null when no service manager asked for one.</summary>
    /// <exception cref="ArgumentException">NOTIFY_SOCKET is set but is not an AF_UNIX socket name.</exception>
    public static SystemdNotifier? FromEnvironment(Func<string, string?> getVariable)
    {
        var name = getVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(name) || !OperatingSystem.IsLinux())
            return null;
        if (name[0] != '/' && name[0] != '@')
            throw new ArgumentException($"NOTIFY_SOCKET must be an absolute socket path or an abstract name starting with '@', not '{name}' (vsock addresses are not supported)");
        // .NET names an abstract socket by a leading NUL, as the kernel does.
        var endpoint = new UnixDomainSocketEndPoint(name[0] == '@' ? "\0" + name[1..] : name);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        return new SystemdNotifier(socket, endpoint, name);
    }

    /// <summary>
    /// How often to send <c>WATCHDOG=1</c>: half the <c>WATCHDOG_USEC</c> systemd set (its documented advice), or
    /// null when no watchdog is enabled for this process (<c>WATCHDOG_PID</c>, when present, names another process).
    /// </summary>
    /// <exception cref="ArgumentException">WATCHDOG_USEC or WATCHDOG_PID is not a positive integer.</exception>
    public static TimeSpan? WatchdogInterval(Func<string, string?> getVariable, int processId)
    {
        var microseconds = getVariable("WATCHDOG_USEC");
        if (string.IsNullOrEmpty(microseconds))
            return null;
        if (!long.TryParse(microseconds, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
            throw new ArgumentException($"WATCHDOG_USEC must be a positive number of microseconds, not '{microseconds}'");
        var pid = getVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid))
        {
            if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var watchedPid) || watchedPid <= 0)
                throw new ArgumentException($"WATCHDOG_PID must be a process ID, not '{pid}'");
            if (watchedPid != processId)
                return null;
        }
        return TimeSpan.FromTicks(Math.Max(1, usec * 10 / 2));
    }

    /// <summary>Sends one state message; lines are <c>KEY=VALUE</c>. Throws <see cref="SocketException"/> when the manager's socket is gone.</summary>
    public void Notify(params ReadOnlySpan<string> assignments)
    {
        var text = new StringBuilder();
        foreach (var assignment in assignments)
        {
            if (assignment.IndexOf('=', StringComparison.Ordinal) <= 0)
                throw new ArgumentException($"'{assignment}' is not a KEY=VALUE assignment", nameof(assignments));
            // A newline would start another assignment; STATUS text comes from our own strings but must not inject one.
            text.Append(assignment.Replace('\n', ' ')).Append('\n');
        }
        var datagram = Encoding.UTF8.GetBytes(text.ToString());
        lock (_sendLock)
            _socket.SendTo(datagram, SocketFlags.None, _endpoint);
    }

    public void Dispose() => _socket.Dispose();
}
