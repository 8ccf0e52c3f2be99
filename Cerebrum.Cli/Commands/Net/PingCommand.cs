using System.CommandLine;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net ping</c>: libp2p ping (/ipfs/ping/1.0.0) from a throwaway Ed25519 identity.</summary>
public static class PingCommand
{
    public static Command Create()
    {
        var addressArgument = CommonOptions.PeerAddress("ping");
        var countOption = new Option<int>("--count", "-c")
        {
            Description = "Number of pings to send.",
            HelpName = "N",
            DefaultValueFactory = _ => 4,
        };
        countOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
                result.AddError("--count must be at least 1");
        });
        var timeoutOption = CommonOptions.Timeout();
        var command = new Command("ping", "Dial a peer with a throwaway Ed25519 identity and measure round-trip times with the libp2p ping protocol (/ipfs/ping/1.0.0). Prints 'pong from <peer-id> time=<ms> ms' per ping; on failure prints one 'error: …' line (unreachable, handshake failed, peer ID mismatch, protocol not supported) and exits non-zero.")
        {
            addressArgument,
            countOption,
            timeoutOption,
        };
        command.SetGuardedAction((parseResult, stdout, cancellationToken) =>
            throw new CommandFailedException("net ping needs the libp2p host, which this build lacks"));
        return command;
    }
}
