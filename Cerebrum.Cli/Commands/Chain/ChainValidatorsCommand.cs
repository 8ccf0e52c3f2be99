using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Chain;

/// <summary>
/// <c>cerebrum chain validators</c>: the validator set of the next height with each member's power and stake, and the
/// jailed validators with their release time and what they were slashed.
/// </summary>
public static class ChainValidatorsCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the validators");
        var command = new Command("validators",
            "Show the validator set of the next height (power and stake in micro-CER of each) and the validators jailed for double signing (until when, slashed how much, at which block).")
        {
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction((parseResult, stdout, cancellationToken) =>
            AdminQuery.PrintAsync(parseResult, dataDirectoryOption, jsonOption, AdminRoutes.ChainValidators, AdminJsonContext.Default.ChainValidatorsResponse,
                ChainText.Validators, stdout, cancellationToken));
        return command;
    }
}
