using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Chain;

/// <summary>
/// <c>cerebrum chain supply</c>: the total supply after the last block (one <c>total N micro-CER</c> line), the genesis
/// supply it must equal, where the money is, and whether the daemon recounts it after every block.
/// </summary>
public static class ChainSupplyCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the supply");
        var command = new Command("supply", "Show the chain's total supply (it equals the genesis supply at every height), where the money is (balances, stakes, escrows, unbonding, node stakes, channels, leases, burned) and the daemon's per-block audit of it, in micro-CER.")
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction((parseResult, stdout, cancellationToken) =>
            AdminQuery.PrintAsync(parseResult, dataDirectoryOption, jsonOption, AdminRoutes.ChainSupply, AdminJsonContext.Default.ChainSupplyResponse, ChainText.Supply, stdout, cancellationToken));
        return command;
    }
}
