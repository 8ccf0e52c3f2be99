namespace Cerebrum.Daemon;

/// <summary>What the daemon calls itself to peers (identify's agentVersion) and to operators.</summary>
public static class DaemonVersion
{
    public const string Version = "0.1.0";

    public const string AgentVersion = "cerebrumd/" + Version;
}
