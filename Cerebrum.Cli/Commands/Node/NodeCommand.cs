using System.CommandLine;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Node;

/// <summary><c>cerebrum node</c>: inference nodes on the ledger.</summary>
public static class NodeCommand
{
    public static Command Create() => new("node", "Inference nodes on the ledger: register this daemon's node (its stake and claim), which validators then check; show one node or list them all.")
    {
        NodeRegisterCommand.Create(),
        NodeShowCommand.Create(),
        AdminListCommand.Create("list", "List the registered nodes as the local daemon's ledger has them: state, stake, reputation, attested throughput, median latency, last attestation height.",
            "the nodes", AdminRoutes.ChainNodes, AdminJsonContext.Default.ListChainNodeSummary, "no node is registered", NodeText.Header, NodeText.Row),
    };
}
