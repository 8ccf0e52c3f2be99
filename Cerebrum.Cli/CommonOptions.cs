using System.CommandLine;
using Cerebrum.Core.Operator;

namespace Cerebrum.Cli;

/// <summary>Options that several commands share, created fresh for each command (an option belongs to one parent).</summary>
public static class CommonOptions
{
    public static Option<string?> DataDirectory(string what = "Data directory of the local daemon to talk to (its admin.url and .cookie are read).") => new("--data-dir", "-d")
    {
        Description = $"{what} Default: ${Core.Operator.DataDirectory.HomeEnvironmentVariable}, else ~/.cerebrum.",
        HelpName = "DIR",
    };

    /// <summary>
    /// The data directory <paramref name="option"/> names (else <c>$CEREBRUM_HOME</c>, else <c>~/.cerebrum</c>). It must
    /// exist, so that a mistyped path is an error rather than a new empty directory, unless the command adds something
    /// new to it (<paramref name="create"/>: <c>model add</c>, <c>gateway key create</c>), which creates it owner-only as
    /// <c>cerebrumd init</c> does.
    /// </summary>
    /// <exception cref="CommandFailedException">There is no such directory (and it may not be created), or it cannot be created.</exception>
    public static DataDirectory ResolveDataDirectory(this ParseResult parseResult, Option<string?> option, bool create = false)
    {
        var directory = Core.Operator.DataDirectory.Resolve(parseResult.GetValue(option));
        if (File.Exists(directory.Root))
            throw new CommandFailedException($"the data directory {directory.Root} is a file, not a directory");
        if (directory.Exists)
            return directory;
        if (!create)
            throw new CommandFailedException($"no data directory {directory.Root}: create it with 'cerebrumd init --data-dir {directory.Root}', or name another with --data-dir DIR (or $CEREBRUM_HOME)");
        try
        {
            if (OperatingSystem.IsWindows())
                Directory.CreateDirectory(directory.Root);
            else
                Directory.CreateDirectory(directory.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandFailedException($"cannot create the data directory {directory.Root}: {e.Message}");
        }
        return directory;
    }

    public static Option<bool> Json(string what) => new("--json")
    {
        Description = $"Print {what} as one JSON document instead of text.",
    };

    public static Option<double> Timeout(string description = "Give up when connecting (TCP, Noise and Yamux handshakes) or any single exchange takes longer than this many seconds.",
        string name = "--timeout", double seconds = 10)
    {
        var option = new Option<double>(name)
        {
            Description = description,
            HelpName = "SECONDS",
            DefaultValueFactory = _ => seconds,
        };
        option.Check(value => value is not (> 0 and <= 86_400) ? $"{name} must be a positive number of seconds (at most 86400)" : null);
        return option;
    }

    public static TimeSpan ToTimeSpan(double seconds) => TimeSpan.FromSeconds(seconds);

    public static Argument<string> PeerAddress(string purpose) => new("MULTIADDR")
    {
        Description = $"Address of the peer to {purpose}, e.g. /ip4/127.0.0.1/tcp/4001/p2p/<peer-id>. With /p2p/<peer-id> the peer's identity is verified; without it any peer at that address is accepted.",
    };
}
