using System.CommandLine;

namespace Cerebrum.Cli.Commands.Node;

/// <summary><c>cerebrum node</c>: inference nodes on the ledger.</summary>
public static class NodeCommand
{
    public static Command Create() => new("node", "Inference nodes on the ledger: register this daemon's node (its stake and claim), which validators then check.")
    {
        NodeRegisterCommand.Create(),
    };
}
