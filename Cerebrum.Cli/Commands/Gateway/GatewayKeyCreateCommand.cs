using System.CommandLine;
using System.Globalization;
using Cerebrum.Cli.Gateway;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Gateway;

/// <summary><c>cerebrum gateway key create --name NAME [--rate N/s] [--budget N]</c>: prints the new key once.</summary>
public static class GatewayKeyCreateCommand
{
    public static Command Create()
    {
        var nameOption = new Option<string>("--name")
        {
            Description = "A unique name for the key (who or what uses it); 'key revoke NAME' removes it.",
            HelpName = "NAME",
            Required = true,
        };
        var rateOption = new Option<string?>("--rate")
        {
            Description = "Rate limit: requests per second (N or N/s), per minute (N/m) or per hour (N/h); beyond it the gateway answers 429 with Retry-After. Default: unlimited.",
            HelpName = "N/s",
        };
        var budgetOption = new Option<ulong>("--budget")
        {
            Description = "The most the key's requests may pay nodes in all, in micro-CER; once spent the gateway answers 402. Default: unlimited.",
            HelpName = "N",
        };
        var dataDirectoryOption = CommonOptions.DataDirectory();
        var command = new Command("create", "Create an API key and print it. It is shown only this once: only its SHA-256 is stored.")
        {
            nameOption,
            rateOption,
            budgetOption,
            dataDirectoryOption,
        };
        command.SetGuardedAction(async (parseResult, stdout, cancellationToken) =>
        {
            var name = parseResult.GetValue(nameOption)!;
            var rate = parseResult.GetValue(rateOption) is { } text ? ParseRate(text) : 0;
            var budget = parseResult.GetValue(budgetOption);
            using var access = GatewayKeyAccess.Open(parseResult.ResolveDataDirectory(dataDirectoryOption, create: true));
            string key;
            if (access.Store is { } store)
            {
                try
                {
                    (key, _) = store.Create(name, rate, DateTimeOffset.UtcNow, budget);
                }
                catch (ArgumentException e)
                {
                    throw new CommandFailedException(e.Message);
                }
            }
            else
            {
                var created = await access.Admin!.PostAsync(AdminRoutes.GatewayKeys, new CreateApiKeyRequest(name, rate, budget),
                    AdminJsonContext.Default.CreateApiKeyRequest, AdminJsonContext.Default.ApiKeyResponse, cancellationToken);
                key = created.Key ?? throw new CommandFailedException("the daemon created the key but did not return it");
            }
            await stdout.WriteLineAsync(key);
            return 0;
        });
        return command;
    }

    /// <summary>"10", "10/s", "600/m", "3600/h" → requests per second.</summary>
    public static double ParseRate(string text)
    {
        var parts = text.Trim().Split('/');
        var per = parts.Length == 2 ? parts[1].Trim().ToLowerInvariant() : "s";
        var seconds = per switch
        {
            "s" or "sec" or "second" => 1.0,
            "m" or "min" or "minute" => 60.0,
            "h" or "hour" => 3600.0,
            _ => 0,
        };
        if (parts.Length > 2 || seconds == 0 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var count) || !(count > 0) || double.IsInfinity(count))
            throw new CommandFailedException($"--rate must be a positive number of requests per second, minute or hour, e.g. 10/s, 600/m; not '{text}'");
        return count / seconds;
    }
}
