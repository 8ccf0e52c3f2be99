using System.CommandLine;
using Cerebrum.Cli.Commands;
using Cerebrum.Cli.Commands.Account;
using Cerebrum.Cli.Commands.Chain;
using Cerebrum.Cli.Commands.Gateway;
using Cerebrum.Cli.Commands.Market;
using Cerebrum.Cli.Commands.Model;
using Cerebrum.Cli.Commands.Net;
using Cerebrum.Cli.Commands.Node;
using Cerebrum.Cli.Commands.PubSub;
using Cerebrum.Cli.Commands.Tx;

namespace Cerebrum.Cli;

/// <summary>The cerebrum command tree; <see cref="RunAsync"/> is the whole program, callable in-process by tests.</summary>
public static class CerebrumCommandLine
{
    /// <summary>
    /// No response files: a value may start with @ (<c>--input @FILE</c> reads a JSON file itself, a text to embed may be
    /// "@someone"), and System.CommandLine would otherwise split such a file into arguments.
    /// </summary>
    public static ParserConfiguration ParserConfiguration { get; } = new() { ResponseFileTokenReplacer = null };

    public static RootCommand CreateRootCommand() => new("cerebrum: command-line client of the Cerebrum decentralized AI inference network. Administers a local cerebrumd through its admin API and probes peers over libp2p.")
    {
        StatusCommand.Create(),
        DashboardCommand.Create(),
        NetCommand.Create(),
        ModelCommand.Create(),
        InferCommand.Create(),
        EmbedCommand.Create(),
        PubSubCommand.Create(),
        ChainCommand.Create(),
        AccountCommand.Create(),
        TxCommand.Create(),
        NodeCommand.Create(),
        GatewayCommand.Create(),
        ChannelCommand.Create(),
        LeaseCommand.Create(),
        MarketCommand.Create(),
        JobCommand.Create(),
    };

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        var parseResult = CreateRootCommand().Parse(args, ParserConfiguration);
        // A mistake on a command that runs is one 'error: …' line per problem, like its own failures, not a page of
        // help; a command group given without its subcommand still shows its help, which lists them.
        if (parseResult.Errors.Count > 0 && parseResult.CommandResult.Command.Action is not null)
        {
            foreach (var error in parseResult.Errors)
                await stderr.WriteLineAsync($"error: {error.Message}");
            return 1;
        }
        return await parseResult.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }
}
