using System.CommandLine;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net identify</c>: runs libp2p identify (/ipfs/id/1.0.0) against a peer.</summary>
public static class IdentifyCommand
{
    public static Command Create()
    {
        var addressArgument = CommonOptions.PeerAddress("identify");
        var jsonOption = CommonOptions.Json("the identify result (peerId, agentVersion, protocolVersion, protocols, listenAddrs, observedAddr, publicKey as hex of its protobuf)");
        var timeoutOption = CommonOptions.Timeout();
        var command = new Command("identify", "Dial a peer with a throwaway Ed25519 identity and show what it says about itself over the libp2p identify protocol (/ipfs/id/1.0.0): peer ID, agent and protocol versions, supported protocols, listen addresses and the address it observes us at.")
        {
            addressArgument,
            jsonOption,
            timeoutOption,
        };
        command.SetGuardedAction((parseResult, stdout, cancellationToken) =>
            throw new CommandFailedException("net identify needs the libp2p host, which this build lacks"));
        return command;
    }
}
