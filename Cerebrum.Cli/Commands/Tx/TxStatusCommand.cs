using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Tx;

/// <summary><c>cerebrum tx status HASH</c>: a transaction's fate as the local daemon knows it.</summary>
public static class TxStatusCommand
{
    public static Command Create()
    {
        var hashArgument = new Argument<string>("HASH") { Description = "The transaction's hash, 64 hex digits, as 'tx transfer' and 'tx stake' print it." };
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the status (hash, status, height, index, error, code)");
        var command = new Command("status", "Tell a transaction's fate as the local daemon knows it: 'included at height H', 'pending' (in its mempool), 'rejected: <reason> (<Code>)' (refused by its ledger lately), or 'unknown' (never seen by it, or its rejection is no longer remembered).")
        {
            hashArgument,
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction((parseResult, stdout, cancellationToken) =>
        {
            var hash = parseResult.GetValue(hashArgument)!.Trim();
            if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
                throw new CommandFailedException($"'{hash}' is not a transaction hash (64 hex digits)");
            return AdminQuery.PrintAsync(parseResult, dataDirectoryOption, jsonOption, AdminRoutes.ChainTransactionOf(hash.ToLowerInvariant()),
                AdminJsonContext.Default.ChainTransactionStatusResponse, ChainText.TransactionStatus, stdout, cancellationToken);
        });
        return command;
    }
}
