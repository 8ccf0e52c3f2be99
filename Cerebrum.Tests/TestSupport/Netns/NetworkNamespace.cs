using System.Net.Sockets;

namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>
/// A named Linux network namespace (<c>ip netns add</c>), deleted on dispose with every interface in it. Code runs
/// inside it on a fresh thread that enters it and then ends (<see cref="Enter{T}"/>), so no thread of the test process
/// ever stays in a foreign namespace; a socket keeps the namespace it was created in, so the test process can talk to
/// daemons on the namespace's own loopback and addresses from any thread.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private bool _deleted;

    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>Creates the namespace with its loopback up and IPv6 off (so no router solicitations cross the links).</summary>
    public static NetworkNamespace Create(string name)
    {
        IpCommand.Run("netns", "add", name);
        var created = new NetworkNamespace(name);
        try
        {
            created.Ip("link", "set", "lo", "up");
            created.WriteSysctl("net/ipv6/conf/all/disable_ipv6", "1");
            created.WriteSysctl("net/ipv6/conf/default/disable_ipv6", "1");
        }
        catch
        {
            created.Dispose();
            throw;
        }
        return created;
    }

    /// <summary><c>ip -n NAME ARGS</c>.</summary>
    public string Ip(params string[] arguments) => IpCommand.Run(["-n", Name, .. arguments]);

    /// <summary>Runs a program inside the namespace (<c>ip netns exec</c>), e.g. iptables in a router namespace.</summary>
    public string Exec(string program, params string[] arguments) => IpCommand.Exec("ip", ["netns", "exec", Name, program, .. arguments]);

    /// <summary>Writes /proc/sys/KEY as seen from inside the namespace (network sysctls are per namespace).</summary>
    public void WriteSysctl(string key, string value) =>
        Enter(() =>
        {
            File.WriteAllText("/proc/sys/" + key, value);
            return true;
        });

    /// <summary>Turns this namespace into a router between its interfaces.</summary>
    public void EnableForwarding() => WriteSysctl("net/ipv4/ip_forward", "1");

    /// <summary>A socket that lives in this namespace (bind, listen and connect as usual, from any thread).</summary>
    public Socket CreateSocket(SocketType type, ProtocolType protocol) =>
        Enter(() => new Socket(System.Net.Sockets.AddressFamily.InterNetwork, type, protocol));

    /// <summary>An HTTP handler whose connections are made from sockets in this namespace (a daemon's admin API or a gateway in it).</summary>
    public SocketsHttpHandler CreateHttpHandler() => new()
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = CreateSocket(SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>Runs <paramref name="action"/> on a new thread that has entered this namespace, and returns its result.</summary>
    public T Enter<T>(Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                var fd = LinuxNative.Open("/var/run/netns/" + Name, LinuxNative.ReadOnly | LinuxNative.CloseOnExec);
                if (fd < 0) throw LinuxNative.Failure($"opening network namespace {Name}");
                try
                {
                    if (LinuxNative.SetNamespace(fd, LinuxNative.CloneNewNet) != 0) throw LinuxNative.Failure($"entering network namespace {Name}");
                }
                finally
                {
                    LinuxNative.Close(fd);
                }
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "netns " + Name };
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"in network namespace {Name}: {failure.Message}", failure);
        return result;
    }

    /// <summary>Deletes the namespace; its interfaces go with it (and the far ends of its veth pairs).</summary>
    public void Dispose()
    {
        if (_deleted) return;
        _deleted = true;
        IpCommand.Run("netns", "delete", Name);
    }
}
