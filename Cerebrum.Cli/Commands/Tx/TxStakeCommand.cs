using System.CommandLine;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Cli.Commands.Tx;

/// <summary><c>cerebrum tx stake --amount N</c>.</summary>
public static class TxStakeCommand
{
    public static Command Create()
    {
        var amountOption = TransactionOptions.Amount("The amount to move from the balance to stake, in micro-CER. Stake counts as validator voting power (see the genesis params' stakePerPower).");
        var options = new TransactionOptions();
        var command = new Command("stake", "Stake micro-CER from the local daemon's account (or --key's).")
        {
            amountOption,
        };
        options.AddTo(command);
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var body = new Transaction { Stake = new Stake { Amount = parseResult.GetValue(amountOption) } };
            return await TransactionSender.SendAsync(parseResult, options, body, stdout, cancellationToken);
        });
        return command;
    }
}
