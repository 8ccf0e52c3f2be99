using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;

namespace Cerebrum.Cli.Commands.Chain;

/// <summary><c>cerebrum chain block HEIGHT</c>: one finalized block.</summary>
public static class ChainBlockCommand
{
    public static Command Create()
    {
        var heightArgument = new Argument<ulong>("HEIGHT") { Description = "Height of the finalized block to show (1 is the first block after genesis)." };
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var jsonOption = CommonOptions.Json("the block");
        var command = new Command("block", "Show a finalized block: hashes, time, proposer, state root, its transactions and how many validators signed its commit.")
        {
            heightArgument,
            dataDirectoryOption,
            jsonOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var height = parseResult.GetValue(heightArgument);
            using var admin = AdminClient.Open(DaemonDirectory.Resolve(parseResult.GetValue(dataDirectoryOption)));
            var block = await admin.GetAsync<BlockResponse>($"chain/blocks/{height.ToString(CultureInfo.InvariantCulture)}", cancellationToken);
            if (parseResult.GetValue(jsonOption))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(block, CliJson.Options));
                return 0;
            }
            await stdout.WriteLineAsync(ChainText.Block(block));
            return 0;
        });
        return command;
    }
}
