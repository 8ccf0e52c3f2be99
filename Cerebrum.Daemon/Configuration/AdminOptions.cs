namespace Cerebrum.Daemon.Configuration;

/// <summary>The "Admin" section: the local admin HTTP API, always bound to 127.0.0.1.</summary>
public sealed record AdminOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free port. The bound URL is written to <c>DIR/admin.url</c> either way.</summary>
    public int Port { get; init; }
}
