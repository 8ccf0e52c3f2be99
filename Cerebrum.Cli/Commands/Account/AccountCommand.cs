using System.CommandLine;

namespace Cerebrum.Cli.Commands.Account;

/// <summary><c>cerebrum account</c>: ledger accounts (one per peer ID).</summary>
public static class AccountCommand
{
    public static Command Create() => new("account", "Inspect ledger accounts; an account's ID is its owner's peer ID.")
    {
        AccountShowCommand.Create(),
    };
}
