using System.Net;
using System.Net.Sockets;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// Free TCP ports on 127.0.0.1 for processes that must be told their port up front (checked by binding, then released,
/// so another process could still take one in between: callers start their daemons at once). Also compiled into the
/// chain benchmark.
/// </summary>
public static class LoopbackPorts
{
    /// <summary>One free port.</summary>
    public static int FindFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A base port with <paramref name="count"/> consecutive free ports from it.</summary>
    public static int FindFreeRange(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var basePort = Random.Shared.Next(20_000, 60_000);
            var listeners = new List<TcpListener>();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, basePort + i);
                    listener.Start();
                    listeners.Add(listener);
                }
                return basePort;
            }
            catch (SocketException)
            {
                // Taken: try another range.
            }
            finally
            {
                foreach (var listener in listeners) listener.Stop();
            }
        }
        throw new InvalidOperationException($"no {count} consecutive free loopback ports found");
    }
}
