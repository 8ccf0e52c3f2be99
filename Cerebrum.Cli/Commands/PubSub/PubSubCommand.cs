using System.CommandLine;

namespace Cerebrum.Cli.Commands.PubSub;

/// <summary><c>cerebrum pubsub</c>: gossipsub through one peer, from a throwaway identity.</summary>
public static class PubSubCommand
{
    public static Command Create() => new("pubsub", "Gossipsub commands. Each joins the network through one peer (--peer) with a throwaway Ed25519 identity and needs no daemon. Topics named cerebrum/... use StrictNoSign (no author, no seqno); every other topic uses StrictSign.")
    {
        SubCommand.Create(),
        PubCommand.Create(),
    };

    public static Option<string> Peer() => new("--peer")
    {
        Description = "Address of the peer to join through, e.g. /ip4/127.0.0.1/tcp/4001/p2p/<peer-id>.",
        HelpName = "MULTIADDR",
        Required = true,
    };

    public static Argument<string> Topic() => new("TOPIC")
    {
        Description = "The topic, e.g. cerebrum/1/status.",
        Validators =
        {
            result =>
            {
                if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
                    result.AddError("TOPIC must not be empty");
            },
        },
    };
}
