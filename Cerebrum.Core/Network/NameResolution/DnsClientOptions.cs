using System.Net;

namespace Cerebrum.Core.Network.NameResolution;

/// <summary>Where the DNS client asks, and how patiently.</summary>
public sealed record DnsClientOptions
{
    /// <summary>Servers asked in turn; empty: the system's (resolv.conf).</summary>
    public IReadOnlyList<IPEndPoint> Servers { get; init; } = [];

    /// <summary>How long one attempt at one server waits for an answer.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Rounds over all servers before giving up.</summary>
    public int Attempts { get; init; } = 2;
}
