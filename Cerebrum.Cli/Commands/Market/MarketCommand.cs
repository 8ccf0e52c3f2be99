using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cerebrum.Cli.Admin;
using Cerebrum.Cli.Chain;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Market;

/// <summary><c>cerebrum market offers [--model NAME] [--json]</c>: the offers the local daemon has heard on <c>cerebrum/1/offers</c>.</summary>
public static class MarketCommand
{
    public static Command Create() => new("market", "The market as the local daemon hears it.")
    {
        Offers(),
    };

    private static Command Offers()
    {
        var model = new Option<string?>("--model") { Description = "Only offers serving this model (its name or sha256:<hex> hash).", HelpName = "NAME" };
        var dataDirectory = CommonOptions.DataDirectory();
        var json = CommonOptions.Json("the offers");
        var command = new Command("offers", "List the unexpired offers heard: node, models and prices per request, lease price per hour, free slots, hardware, region, and whether the node is leased.")
        {
            model, dataDirectory, json,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            using var admin = AdminClient.Open(parseResult.ResolveDataDirectory(dataDirectory));
            var query = parseResult.GetValue(model) is { Length: > 0 } name ? "?model=" + Uri.EscapeDataString(name) : "";
            var offers = await admin.GetAsync(AdminRoutes.MarketOffers + query, AdminJsonContext.Default.ListOfferResponse, cancellationToken);
            if (parseResult.GetValue(json))
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(offers, CliJson.Options));
                return 0;
            }
            if (offers.Count == 0)
            {
                await stdout.WriteLineAsync("no offers heard");
                return 0;
            }
            var rows = new List<string[]> { new[] { "NODE", "MODELS (PRICE/REQUEST)", "LEASE/H", "SLOTS", "REGION", "HARDWARE", "LEASED UNTIL" } };
            rows.AddRange(offers.Select(o => new[]
            {
                o.Node,
                string.Join(", ", o.Models.Select(m => $"{(m.Name.Length > 0 ? m.Name : m.Hash)} ({m.PricePerRequest.ToString(CultureInfo.InvariantCulture)})")),
                o.LeasePricePerHour is { } price ? $"{price.ToString(CultureInfo.InvariantCulture)} ({o.LeaseMinHours}-{o.LeaseMaxHours} h)" : "-",
                o.FreeSlots.ToString(CultureInfo.InvariantCulture),
                o.Region.Length > 0 ? o.Region : "-",
                o.Hardware,
                o.LeasedUntil is { } until ? ChainText.Time(until) : "-",
            }));
            TextFormat.Table(stdout, rows);
            return 0;
        });
        return command;
    }
}
