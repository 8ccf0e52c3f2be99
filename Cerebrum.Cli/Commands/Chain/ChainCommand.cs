using System.CommandLine;

namespace Cerebrum.Cli.Commands.Chain;

/// <summary><c>cerebrum chain</c>: the local daemon's view of the ledger.</summary>
public static class ChainCommand
{
    public static Command Create() => new("chain", "Inspect the ledger as the local daemon sees it (via its admin API).")
    {
        ChainStatusCommand.Create(),
        ChainBlockCommand.Create(),
        ChainValidatorsCommand.Create(),
    };
}
