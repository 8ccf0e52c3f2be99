using System.CommandLine;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Cli.Commands.Tx;

/// <summary><c>cerebrum tx unjail</c>: a validator jailed for double signing asks to count again once its jail time is over.</summary>
public static class TxUnjailCommand
{
    public static Command Create()
    {
        var options = new TransactionOptions();
        var command = new Command("unjail",
            "Send Unjail from the local daemon's account (or --key's): a validator jailed for double signing (see 'account show' or 'chain validators') counts again from the next block, once its jail time is over.");
        options.AddTo(command);
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
            await TransactionSender.SendAsync(parseResult, options, new Transaction { Unjail = new Unjail() }, stdout, cancellationToken));
        return command;
    }
}
