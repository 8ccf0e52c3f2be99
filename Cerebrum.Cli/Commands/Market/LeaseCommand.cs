using System.CommandLine;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Market;

/// <summary><c>cerebrum lease open|list|close</c>: exclusive leases of nodes, taken and paid by the local daemon's account.</summary>
public static class LeaseCommand
{
    public static Command Create() => new("lease", "Exclusive leases: rent a node for some hours (it then serves only this daemon and its delegates), list, and close early for a refund of the unused time.")
    {
        Open(),
        AdminListCommand.Create<LeaseResponse>("list", "List the leases this daemon holds (role tenant) or serves (role node): id, the other side, hours, price per hour, prepaid, accrued so far, end and state.",
            "the leases", AdminRoutes.MarketLeases, AdminJsonContext.Default.ListLeaseResponse, "no leases",
            ["ID", "ROLE", "TENANT", "NODE", "HOURS", "PRICE/H", "PREPAID", "ACCRUED", "UNTIL", "STATE"],
            l => [l.Id, l.Role, l.Tenant, l.Node, ChannelCommand.Number(l.Hours), ChannelCommand.Number(l.PricePerHour), ChannelCommand.Number(l.Prepaid),
                ChannelCommand.Number(l.Accrued), ChainText.Time(l.End), l.State]),
        Close(),
    };

    private static Command Open()
    {
        var node = MarketCommandOptions.Node("The node to lease (its peer ID).");
        var hours = new Option<ulong>("--hours") { Description = "How long, in whole hours.", HelpName = "H", Required = true }.AcceptsWholeNumbers("a whole number of hours, 1 or more");
        hours.Check(h => h is >= 1 and <= uint.MaxValue ? null : $"--hours must be 1 to {uint.MaxValue}, not {h}");
        var maxPrice = new Option<ulong?>("--max-price") { Description = "The most to pay per hour, in micro-CER (default: the price in the node's offer).", HelpName = "N" }
            .AcceptsWholeNumbers("a whole number of micro-CER per hour");
        var delegates = new Option<string[]>("--delegate") { Description = "A peer that may use the leased node too (repeat for several).", HelpName = "PEER", AllowMultipleArgumentsPerToken = false };
        var dataDirectory = CommonOptions.DataDirectory();
        var timeout = MarketCommandOptions.WaitTimeout();
        var command = new Command("open", "Ask a node for an exclusive lease, pay it on the ledger, and wait until it starts; prints 'lease <id> active until <time>'.")
        {
            node, hours, maxPrice, delegates, dataDirectory, timeout,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var submitted = await admin.PostAsync(AdminRoutes.MarketLeases,
                new OpenLeaseRequest(parseResult.GetValue(node)!, (uint)parseResult.GetValue(hours), parseResult.GetValue(maxPrice), parseResult.GetValue(delegates) ?? []),
                AdminJsonContext.Default.OpenLeaseRequest, AdminJsonContext.Default.MarketTransactionResponse, cancellationToken);
            await TransactionSender.WaitForInclusionAsync(admin, submitted.Hash, CommonOptions.ToTimeSpan(parseResult.GetValue(timeout)), cancellationToken);
            var lease = (await admin.GetAsync(AdminRoutes.MarketLeases, AdminJsonContext.Default.ListLeaseResponse, cancellationToken)).FirstOrDefault(l => l.Id == submitted.Id)
                ?? throw new CommandFailedException($"lease {submitted.Id} is in a block but the daemon does not list it");
            await stdout.WriteLineAsync($"lease {lease.Id} active until {ChainText.Time(lease.End)}");
            return 0;
        });
        return command;
    }

    private static Command Close()
    {
        var id = MarketCommandOptions.Id("lease");
        var dataDirectory = CommonOptions.DataDirectory();
        var timeout = MarketCommandOptions.WaitTimeout();
        var command = new Command("close", "End a lease: the tenant at any time (the node gets what accrued, the rest comes back), anyone once it has ended (the node gets it all).")
        {
            id, dataDirectory, timeout,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var before = (await admin.GetAsync(AdminRoutes.MarketLeases, AdminJsonContext.Default.ListLeaseResponse, cancellationToken)).FirstOrDefault(l => l.Id == parseResult.GetValue(id));
            var submitted = await admin.PostAsync(AdminRoutes.MarketLeaseCloseOf(parseResult.GetValue(id)!), AdminJsonContext.Default.MarketTransactionResponse, cancellationToken);
            await TransactionSender.WaitForInclusionAsync(admin, submitted.Hash, CommonOptions.ToTimeSpan(parseResult.GetValue(timeout)), cancellationToken);
            await stdout.WriteLineAsync(before is null ? $"lease {submitted.Id} closed" : $"lease {submitted.Id} closed (prepaid {ChannelCommand.Number(before.Prepaid)} micro-CER)");
            return 0;
        });
        return command;
    }
}
