using System.CommandLine;

namespace Cerebrum.Cli.Commands.Net;

/// <summary><c>cerebrum net</c>: the peer-to-peer network, through the local daemon (peers, connect) or directly (ping, identify, perf).</summary>
public static class NetCommand
{
    public static Command Create() => new("net", "Peer-to-peer network commands. 'peers', 'nodes', 'connect', 'find-peer' and 'providers' act through the local daemon; 'ping', 'identify' and 'perf' dial the peer directly from a throwaway identity and need no daemon.")
    {
        PeersCommand.Create(),
        NodesCommand.Create(),
        ConnectCommand.Create(),
        FindPeerCommand.Create(),
        ProvidersCommand.Create(),
        PingCommand.Create(),
        IdentifyCommand.Create(),
        PerfCommand.Create(),
    };
}
