using System.CommandLine;

namespace Cerebrum.Cli.Chain;

/// <summary>The options every <c>cerebrum tx</c> command shares: whose key, which fee and nonce, and where to send.</summary>
public sealed class TransactionOptions
{
    public Option<string?> DataDirectory { get; } = CommonOptions.DataDirectory();

    public Option<ulong> Fee { get; } = new("--fee")
    {
        Description = "Fee in micro-CER, paid to the block's proposer; the mempool orders by fee.",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
    };

    public Option<ulong?> Nonce { get; } = new("--nonce")
    {
        Description = "The sender's nonce. Default: the local daemon's next nonce for the account (counting its pending transactions).",
        HelpName = "N",
    };

    public Option<string?> Peer { get; } = new("--peer")
    {
        Description = "Gossip the transaction on cerebrum/1/txs through this peer instead of submitting it to the local daemon. The chain ID then comes from --chain-id or the daemon's genesis file (Chain:Genesis in DIR/config.json, else DIR/genesis.json), and the nonce from --nonce or a local daemon if one runs.",
        HelpName = "MULTIADDR",
    };

    public Option<string?> ChainId { get; } = new("--chain-id")
    {
        Description = "The chain the transaction is for (default: the local daemon's; with --peer, its genesis file's).",
        HelpName = "ID",
    };

    public Option<double> Timeout { get; } = CommonOptions.Timeout("With --peer: give up when connecting, or finding a peer subscribed to cerebrum/1/txs, takes longer than this many seconds.");

    public static Option<ulong> Amount(string description)
    {
        var option = new Option<ulong>("--amount")
        {
            Description = description,
            HelpName = "N",
            Required = true,
        };
        option.Check(value => value == 0 ? "--amount must be a positive whole number of micro-CER" : null);
        return option;
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Fee);
        command.Options.Add(Nonce);
        command.Options.Add(Peer);
        command.Options.Add(ChainId);
        command.Options.Add(DataDirectory);
        command.Options.Add(Timeout);
    }
}
