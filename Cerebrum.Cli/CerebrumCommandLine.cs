using System.CommandLine;
using Cerebrum.Cli.Commands;
using Cerebrum.Cli.Commands.Account;
using Cerebrum.Cli.Commands.Chain;
using Cerebrum.Cli.Commands.Gateway;
using Cerebrum.Cli.Commands.Model;
using Cerebrum.Cli.Commands.Net;
using Cerebrum.Cli.Commands.Node;
using Cerebrum.Cli.Commands.PubSub;
using Cerebrum.Cli.Commands.Tx;

namespace Cerebrum.Cli;

/// <summary>The cerebrum command tree; <see cref="RunAsync"/> is the whole program, callable in-process by tests.</summary>
public static class CerebrumCommandLine
{
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
    };

    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        CreateRootCommand().Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
}
