using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Node;

/// <summary><c>cerebrum node show PEER</c>: one registered node as the local daemon's ledger has it.</summary>
public static class NodeShowCommand
{
    public static Command Create()
    {
        var peerArgument = new Argument<string>("PEER") { Description = "The node's peer ID." };
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the node");
        var command = new Command("show", "Show a registered node as the local daemon's ledger has it: state, stake, reputation, hardware as claimed and attested, throughput score, latency per validator and their median, canary passes and failures, last attestation height, and each validator's latest checks.")
        {
            peerArgument,
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var text = parseResult.GetValue(peerArgument)!.Trim();
            if (!PeerId.TryParse(text, out var id, out var error))
                throw new CommandFailedException($"invalid peer ID '{text}': {error}");
            return await AdminQuery.PrintAsync(parseResult, dataDirectoryOption, jsonOption, AdminRoutes.ChainNodeOf(id.ToString()), AdminJsonContext.Default.ChainNodeResponse,
                NodeText.Show, stdout, cancellationToken);
        });
        return command;
    }
}
