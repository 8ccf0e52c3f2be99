using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Chain;

/// <summary>
/// <c>cerebrum chain status</c>: chain ID, the last finalized block (one <c>height N</c> line scripts can wait for),
/// the validator set and whether the daemon is still catching up.
/// </summary>
public static class ChainStatusCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the chain status");
        var command = new Command("status", "Show the chain ID, the last finalized block (a line 'height N', its hash and time), the validator set, and whether the daemon is syncing.")
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction((parseResult, stdout, cancellationToken) =>
            AdminQuery.PrintAsync(parseResult, dataDirectoryOption, jsonOption, AdminRoutes.ChainStatus, AdminJsonContext.Default.ChainStatusResponse, ChainText.Status, stdout, cancellationToken));
        return command;
    }
}
