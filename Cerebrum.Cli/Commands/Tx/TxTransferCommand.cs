using System.CommandLine;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Cli.Commands.Tx;

/// <summary><c>cerebrum tx transfer --to ID --amount N</c>.</summary>
public static class TxTransferCommand
{
    public static Command Create()
    {
        var toOption = new Option<string>("--to")
        {
            Description = "The receiving account: its peer ID.",
            HelpName = "ID",
            Required = true,
        };
        var amountOption = TransactionOptions.Amount("The amount to send, in micro-CER.");
        var options = new TransactionOptions();
        var command = new Command("transfer", "Send micro-CER from the local daemon's account (or --key's) to another account.")
        {
            toOption,
            amountOption,
        };
        options.AddTo(command);
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var toText = parseResult.GetValue(toOption)!.Trim();
            if (!PeerId.TryParse(toText, out var to, out var error))
                throw new CommandFailedException($"invalid --to account '{toText}': {error}");
            var body = new Transaction
            {
                Transfer = new Transfer { To = ByteString.CopyFrom(to.Bytes.Span), Amount = parseResult.GetValue(amountOption) },
            };
            return await TransactionSender.SendAsync(parseResult, options, body, stdout, cancellationToken);
        });
        return command;
    }
}
