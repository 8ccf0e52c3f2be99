using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Chain;

/// <summary><c>cerebrum chain block HEIGHT</c>: one finalized block.</summary>
public static class ChainBlockCommand
{
    public static Command Create()
    {
        var heightArgument = new Argument<ulong>("HEIGHT") { Description = "Height of the finalized block to show (1 is the first block after genesis)." };
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the block");
        var command = new Command("block", "Show a finalized block: hashes, time, proposer, state root, its transactions and how many validators signed its commit.")
        {
            heightArgument,
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction((parseResult, stdout, cancellationToken) =>
            AdminQuery.PrintAsync(parseResult, dataDirectoryOption, jsonOption,
                AdminRoutes.ChainBlockAt(parseResult.GetValue(heightArgument)), AdminJsonContext.Default.ChainBlockResponse, ChainText.Block, stdout, cancellationToken));
        return command;
    }
}
