using System.Net;

namespace Cerebrum.Core.Network.NameResolution;

/// <summary>The name servers of a resolv.conf (<c>nameserver IP</c> lines; at most three count, as the C library reads it).</summary>
public static class ResolvConf
{
    public const string DefaultPath = "/etc/resolv.conf";
    private const int MaxNameServers = 3;

    /// <summary>Port-53 endpoints of the <c>nameserver</c> lines of <paramref name="text"/>; malformed lines are skipped.</summary>
    public static IReadOnlyList<IPEndPoint> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<IPEndPoint>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || parts[0] != "nameserver")
                continue;
            // A link-local IPv6 server carries its zone after '%', which IPAddress parses.
            if (IPAddress.TryParse(parts[1], out var ip) && servers.Count < MaxNameServers)
                servers.Add(new IPEndPoint(ip, 53));
        }
        return servers;
    }

    /// <summary>The system's name servers (empty when the file is missing, as on Windows, or lists none).</summary>
    public static IReadOnlyList<IPEndPoint> ReadSystem(string path = DefaultPath) =>
        File.Exists(path) ? Parse(File.ReadAllText(path)) : [];
}
