using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Account;

/// <summary><c>cerebrum account show ID</c>: balance, stake, escrow, unbonding and nonce of one account.</summary>
public static class AccountShowCommand
{
    public static Command Create()
    {
        var idArgument = new Argument<string>("ID") { Description = "The account's peer ID (base58btc, e.g. 16Uiu2HAm…, or a CIDv1). An account never used shows zeros." };
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the account");
        var command = new Command("show", "Show an account's balance, stake, gateway escrow, unbonding amount and nonce in micro-CER, and whether it is jailed and what it was slashed, as committed on the local daemon's chain.")
        {
            idArgument,
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var text = parseResult.GetValue(idArgument)!.Trim();
            if (!PeerId.TryParse(text, out var id, out var error))
                throw new CommandFailedException($"invalid account ID '{text}': {error}");
            return await AdminQuery.PrintAsync(parseResult, dataDirectoryOption, jsonOption, AdminRoutes.ChainAccountOf(id.ToString()), AdminJsonContext.Default.ChainAccountResponse,
                ChainText.Account, stdout, cancellationToken);
        });
        return command;
    }
}
