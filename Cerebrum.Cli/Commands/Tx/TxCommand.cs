using System.CommandLine;

namespace Cerebrum.Cli.Commands.Tx;

/// <summary><c>cerebrum tx</c>: ledger transactions signed with the local daemon's key.</summary>
public static class TxCommand
{
    public static Command Create() => new("tx", "Sign a ledger transaction with the local daemon's identity key (DIR/identity.key, or --key FILE) and submit it through the local daemon, or gossip it through --peer; --wait waits for its inclusion or rejection, 'tx status HASH' tells its fate later.")
    {
        TxTransferCommand.Create(),
        TxStakeCommand.Create(),
        TxUnjailCommand.Create(),
        TxStatusCommand.Create(),
    };
}
