namespace Cerebrum.Daemon.Configuration;

/// <summary>The "Admin" section: the local admin HTTP API, always bound to 127.0.0.1.</summary>
public sealed record AdminOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free port. The bound URL is written to <c>DIR/admin.url</c> either way.</summary>
    public int Port { get; init; }

    /// <summary>How long a dashboard link from <c>cerebrum dashboard</c> can be opened (once).</summary>
    public TimeSpan DashboardLinkLifetime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a browser stays signed in to the dashboard after opening a link (sessions also end with the daemon).</summary>
    public TimeSpan DashboardSessionLifetime { get; init; } = TimeSpan.FromHours(8);
}
