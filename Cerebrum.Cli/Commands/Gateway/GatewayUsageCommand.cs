using System.CommandLine;
using System.Globalization;
using Cerebrum.Cli.Admin;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Gateway;

/// <summary><c>cerebrum gateway usage [--json]</c>: what each API key's requests paid nodes, in micro-CER, and its budget.</summary>
public static class GatewayUsageCommand
{
    public static Command Create() => AdminListCommand.Create<ApiKeyUsageResponse>(
        "usage", "List a running gateway's usage per API key: requests, micro-CER paid to nodes, budget and what is left of it (amounts are integer micro-CER).",
        "the usage rows (name, requests, spent, budget, remaining)", AdminRoutes.GatewayUsage, AdminJsonContext.Default.ListApiKeyUsageResponse,
        "no API keys: create one with 'cerebrum gateway key create --name NAME'",
        ["KEY", "REQUESTS", "SPENT", "BUDGET", "REMAINING"],
        usage =>
        [
            usage.Name,
            usage.Requests.ToString(CultureInfo.InvariantCulture),
            usage.Spent.ToString(CultureInfo.InvariantCulture),
            usage.Budget == 0 ? "unlimited" : usage.Budget.ToString(CultureInfo.InvariantCulture),
            usage.Remaining is { } left ? left.ToString(CultureInfo.InvariantCulture) : "-",
        ]);
}
