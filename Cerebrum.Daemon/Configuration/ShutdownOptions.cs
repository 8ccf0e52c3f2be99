namespace Cerebrum.Daemon.Configuration;

/// <summary>The "Shutdown" section: how a SIGINT/SIGTERM stop proceeds.</summary>
public sealed record ShutdownOptions
{
    /// <summary>How long closing connections and stopping services may take before the daemon exits anyway.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);
}
