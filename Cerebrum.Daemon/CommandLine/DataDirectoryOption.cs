using System.CommandLine;

namespace Cerebrum.Daemon.CommandLine;

/// <summary>The <c>--data-dir</c> option shared by every cerebrumd command.</summary>
public static class DataDirectoryOption
{
    public static Option<string?> Create() => new("--data-dir", "-d")
    {
        Description = $"The daemon's data directory (identity key, config.json, admin cookie). Default: ${DataDirectory.HomeEnvironmentVariable}, else ~/.cerebrum.",
        HelpName = "DIR",
    };
}
