using System.CommandLine;

namespace Cerebrum.Cli;

/// <summary>Options that several commands share, created fresh for each command (an option belongs to one parent).</summary>
public static class CommonOptions
{
    public static Option<string?> DataDirectory() => new("--data-dir", "-d")
    {
        Description = $"Data directory of the local daemon to talk to (its admin.url and .cookie are read). Default: ${DaemonDirectory.HomeEnvironmentVariable}, else ~/.cerebrum.",
        HelpName = "DIR",
    };

    public static Option<bool> Json(string what) => new("--json")
    {
        Description = $"Print {what} as one JSON document instead of text.",
    };

    public static Option<double> Timeout(string description = "Give up when connecting (TCP, Noise and Yamux handshakes) or any single exchange takes longer than this many seconds.")
    {
        var option = new Option<double>("--timeout")
        {
            Description = description,
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 10,
        };
        option.Check(value => value is not (> 0 and <= 86_400) ? "--timeout must be a positive number of seconds (at most 86400)" : null);
        return option;
    }

    public static TimeSpan ToTimeSpan(double seconds) => TimeSpan.FromSeconds(seconds);

    public static Argument<string> PeerAddress(string purpose) => new("MULTIADDR")
    {
        Description = $"Address of the peer to {purpose}, e.g. /ip4/127.0.0.1/tcp/4001/p2p/<peer-id>. With /p2p/<peer-id> the peer's identity is verified; without it any peer at that address is accepted.",
    };
}
