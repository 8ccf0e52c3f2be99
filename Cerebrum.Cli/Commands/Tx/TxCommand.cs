using System.CommandLine;

namespace Cerebrum.Cli.Commands.Tx;

/// <summary><c>cerebrum tx</c>: ledger transactions signed with the local daemon's key.</summary>
public static class TxCommand
{
    public static Command Create() => new("tx", "Sign a ledger transaction with the local daemon's identity key (DIR/identity.key) and submit it through the local daemon, or gossip it through --peer.")
    {
        TxTransferCommand.Create(),
        TxStakeCommand.Create(),
    };
}
