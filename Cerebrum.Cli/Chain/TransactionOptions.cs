using System.CommandLine;

namespace Cerebrum.Cli.Chain;

/// <summary>The options every <c>cerebrum tx</c> command shares: whose key, which fee and nonce, where to send, and whether to wait.</summary>
public sealed class TransactionOptions
{
    private const string MicroCer = " (1 CER = 1,000,000 micro-CER)";

    public Option<string?> DataDirectory { get; } = CommonOptions.DataDirectory("Data directory of the local daemon: its identity key signs (unless --key), its admin API takes the transaction (unless --peer) and tells its fate (--wait).");

    public Option<string?> Key { get; } = new("--key")
    {
        Description = "Sign with this key file instead of DIR/identity.key, e.g. a devnet's faucet.key (an owner-only libp2p private key file, as cerebrumd init writes).",
        HelpName = "FILE",
    };

    public Option<ulong> Fee { get; } = new Option<ulong>("--fee")
    {
        Description = "Fee in micro-CER, paid to the block's proposer; the mempool orders by fee.",
        HelpName = "N",
        DefaultValueFactory = _ => 1,
    }.AcceptsWholeNumbers($"a whole number of micro-CER, 0 or more{MicroCer}");

    public Option<ulong?> Nonce { get; } = new Option<ulong?>("--nonce")
    {
        Description = "The sender's nonce. Default: the local daemon's next nonce for the account (counting its pending transactions).",
        HelpName = "N",
    }.AcceptsWholeNumbers("a whole number, 0 or more");

    public Option<string?> Peer { get; } = new("--peer")
    {
        Description = "Gossip the transaction on cerebrum/1/txs through this peer instead of submitting it to the local daemon. The chain ID then comes from --chain-id or the daemon's genesis file (Chain:Genesis in DIR/config.json, else DIR/genesis.json), and the nonce from --nonce or a local daemon if one runs; a local daemon, if one runs, first checks that the ledger would take it (peers drop a refused transaction without a word).",
        HelpName = "MULTIADDR",
    };

    public Option<string?> ChainId { get; } = new("--chain-id")
    {
        Description = "The chain the transaction is for (default: the local daemon's; with --peer, its genesis file's).",
        HelpName = "ID",
    };

    public Option<double> Timeout { get; } = CommonOptions.Timeout("With --peer: give up when connecting, or finding a peer subscribed to cerebrum/1/txs, takes longer than this many seconds.");

    public Option<bool> Wait { get; } = new("--wait")
    {
        Description = "Wait until the transaction is in a block and print 'included at height H', or print the ledger's rejection ('error: rejected: … (Code)') and exit 1. Asks the local daemon on DIR, which must be running and following the chain.",
    };

    public Option<double> WaitTimeout { get; } = CommonOptions.Timeout("With --wait: give up (exit 1) when the transaction is neither included nor rejected within this many seconds.", "--wait-timeout", 60);

    public static Option<ulong> Amount(string description)
    {
        const string rule = $"a whole number of micro-CER, 1 or more{MicroCer}";
        var option = new Option<ulong>("--amount")
        {
            Description = description,
            HelpName = "N",
            Required = true,
        }.AcceptsWholeNumbers(rule);
        option.Check(value => value == 0 ? $"--amount must be {rule}, not '0'" : null);
        return option;
    }

    public void AddTo(Command command)
    {
        command.Options.Add(Fee);
        command.Options.Add(Nonce);
        command.Options.Add(Key);
        command.Options.Add(Peer);
        command.Options.Add(ChainId);
        command.Options.Add(DataDirectory);
        command.Options.Add(Timeout);
        command.Options.Add(Wait);
        command.Options.Add(WaitTimeout);
    }
}
