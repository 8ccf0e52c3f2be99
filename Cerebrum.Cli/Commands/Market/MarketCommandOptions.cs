using System.CommandLine;

namespace Cerebrum.Cli.Commands.Market;

/// <summary>Options the market's commands share.</summary>
internal static class MarketCommandOptions
{
    public static Option<double> WaitTimeout() =>
        CommonOptions.Timeout("Give up (exit 1) when the transaction is neither in a block nor rejected within this many seconds.", "--wait-timeout", 60);

    public static Argument<string> Id(string what) => new("ID") { Description = $"The {what}'s id (64 hex digits), as its list shows it." };

    public static Option<string> Node(string description) => new("--node")
    {
        Description = description,
        HelpName = "PEER",
        Required = true,
    };
}
