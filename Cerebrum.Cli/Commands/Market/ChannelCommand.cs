using System.CommandLine;
using System.Globalization;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Market;

/// <summary>
/// <c>cerebrum channel open|list|close|topup|claim</c>: the local daemon's payment channels (it pays through them as a
/// gateway or job runner; as a node it is paid from them). Amounts are integer micro-CER; each command that changes
/// the ledger waits until its transaction is in a block.
/// </summary>
public static class ChannelCommand
{
    private const string MicroCer = "a whole number of micro-CER (1 CER = 1,000,000 micro-CER)";

    public static Command Create() => new("channel", "Payment channels of the local daemon: open one to a node, list, top up, close, and (on a node) claim what the vouchers hold.")
    {
        Open(),
        AdminListCommand.Create<ChannelResponse>("list", "List the channels this daemon pays into (role payer) or is paid from (role node): id, the other side, deposit, paid (the vouchers' total), claimed (paid out on the ledger) and state.",
            "the channels", AdminRoutes.MarketChannels, AdminJsonContext.Default.ListChannelResponse, "no channels",
            ["ID", "ROLE", "PAYER", "NODE", "DEPOSIT", "PAID", "CLAIMED", "STATE"],
            c => [c.Id, c.Role, c.Payer, c.Node, Number(c.Deposit), Number(c.Paid), Number(c.Claimed), c.State]),
        TopUp(),
        Close(),
        Claim(),
    };

    private static Command Open()
    {
        var node = MarketCommandOptions.Node("The node to pay (its peer ID).");
        var amount = new Option<ulong>("--amount") { Description = "The deposit, in micro-CER, moved from this daemon's balance into the channel.", HelpName = "N", Required = true }.AcceptsWholeNumbers(MicroCer);
        var dataDirectory = CommonOptions.DataDirectory();
        var timeout = MarketCommandOptions.WaitTimeout();
        var command = new Command("open", "Open a payment channel from this daemon's account to a node and wait until it is in a block; prints 'channel <id> open to <node>, deposit <N> micro-CER'.")
        {
            node, amount, dataDirectory, timeout,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var submitted = await admin.PostAsync(AdminRoutes.MarketChannels, new OpenChannelRequest(parseResult.GetValue(node)!, parseResult.GetValue(amount)),
                AdminJsonContext.Default.OpenChannelRequest, AdminJsonContext.Default.MarketTransactionResponse, cancellationToken);
            await TransactionSender.WaitForInclusionAsync(admin, submitted.Hash, CommonOptions.ToTimeSpan(parseResult.GetValue(timeout)), cancellationToken);
            await stdout.WriteLineAsync($"channel {submitted.Id} open to {parseResult.GetValue(node)}, deposit {Number(parseResult.GetValue(amount))} micro-CER");
            return 0;
        });
        return command;
    }

    private static Command TopUp()
    {
        var id = MarketCommandOptions.Id("channel");
        var amount = new Option<ulong>("--amount") { Description = "What to add to the deposit, in micro-CER.", HelpName = "N", Required = true }.AcceptsWholeNumbers(MicroCer);
        var dataDirectory = CommonOptions.DataDirectory();
        var timeout = MarketCommandOptions.WaitTimeout();
        var command = new Command("topup", "Add to an open channel's deposit (payer only) and wait until it is in a block.") { id, amount, dataDirectory, timeout };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var submitted = await admin.PostAsync(AdminRoutes.MarketChannelTopUpOf(parseResult.GetValue(id)!), new TopUpChannelRequest(parseResult.GetValue(amount)),
                AdminJsonContext.Default.TopUpChannelRequest, AdminJsonContext.Default.MarketTransactionResponse, cancellationToken);
            await TransactionSender.WaitForInclusionAsync(admin, submitted.Hash, CommonOptions.ToTimeSpan(parseResult.GetValue(timeout)), cancellationToken);
            await stdout.WriteLineAsync($"channel {submitted.Id} topped up by {Number(parseResult.GetValue(amount))} micro-CER");
            return 0;
        });
        return command;
    }

    private static Command Close()
    {
        var id = MarketCommandOptions.Id("channel");
        var dataDirectory = CommonOptions.DataDirectory();
        var timeout = MarketCommandOptions.WaitTimeout();
        var command = new Command("close", "Start closing a channel this daemon pays into: the node may still claim until the settle deadline, then the rest returns to this account (the daemon settles it).")
        {
            id, dataDirectory, timeout,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var submitted = await admin.PostAsync(AdminRoutes.MarketChannelCloseOf(parseResult.GetValue(id)!), AdminJsonContext.Default.MarketTransactionResponse, cancellationToken);
            await TransactionSender.WaitForInclusionAsync(admin, submitted.Hash, CommonOptions.ToTimeSpan(parseResult.GetValue(timeout)), cancellationToken);
            var channels = await admin.GetAsync(AdminRoutes.MarketChannels, AdminJsonContext.Default.ListChannelResponse, cancellationToken);
            var settleAt = channels.FirstOrDefault(c => c.Id == submitted.Id)?.SettleAt;
            await stdout.WriteLineAsync(settleAt is { } at
                ? $"channel {submitted.Id} closing: the node may claim until {ChainText.Time(at)}, then the rest returns to this account"
                : $"channel {submitted.Id} closing");
            return 0;
        });
        return command;
    }

    private static Command Claim()
    {
        var id = new Argument<string?>("ID") { Description = "The channel to claim (64 hex digits); every channel with value to claim when left out.", Arity = ArgumentArity.ZeroOrOne };
        var dataDirectory = CommonOptions.DataDirectory();
        var timeout = MarketCommandOptions.WaitTimeout();
        var command = new Command("claim", "On a node: redeem the best vouchers now (not waiting for the claim policy) and wait until each claim is in a block; prints 'claimed <N> micro-CER on channel <id>' per claim.")
        {
            id, dataDirectory, timeout,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var claims = await admin.PostAsync(AdminRoutes.MarketChannelClaim, new ClaimRequest(parseResult.GetValue(id)), AdminJsonContext.Default.ClaimRequest,
                AdminJsonContext.Default.ListClaimResponse, cancellationToken);
            if (claims.Count == 0)
            {
                await stdout.WriteLineAsync("nothing to claim");
                return 0;
            }
            var failed = 0;
            foreach (var claim in claims)
            {
                if (claim.Error is { } error)
                {
                    failed++;
                    await stdout.WriteLineAsync($"claim of {Number(claim.Amount)} micro-CER on channel {claim.ChannelId} refused: {error}");
                    continue;
                }
                var status = await TransactionSender.WaitForInclusionAsync(admin, claim.Hash!, CommonOptions.ToTimeSpan(parseResult.GetValue(timeout)), cancellationToken);
                await stdout.WriteLineAsync($"claimed {Number(claim.Amount)} micro-CER on channel {claim.ChannelId} (included at height {status.Height?.ToString(CultureInfo.InvariantCulture)})");
            }
            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    internal static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
