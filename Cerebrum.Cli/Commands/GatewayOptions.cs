using System.CommandLine;

namespace Cerebrum.Cli.Commands;

/// <summary>The options of <c>infer</c> and <c>embed</c> that send the job through a gateway instead of to one node.</summary>
public static class GatewayOptions
{
    public static Option<string?> Gateway() => new("--gateway", "-g")
    {
        Description = "Send the request to a gateway's HTTP API instead of directly to a node, e.g. http://127.0.0.1:8080 (the gateway picks a node and retries elsewhere when one fails).",
        HelpName = "URL",
    };

    public static Option<string?> ApiKey() => new("--api-key")
    {
        Description = $"With --gateway: the API key (from 'cerebrum gateway key create'); default ${Cli.Gateway.GatewayHttpClient.ApiKeyEnvironmentVariable}. An open gateway needs none.",
        HelpName = "KEY",
    };

    /// <summary>Adds a validator requiring exactly one of --peer and --gateway.</summary>
    public static void RequireOneTarget(Command command, Option<string?> peer, Option<string?> gateway) =>
        command.Validators.Add(result =>
        {
            var hasPeer = result.GetValue(peer) is { Length: > 0 };
            var hasGateway = result.GetValue(gateway) is { Length: > 0 };
            if (hasPeer == hasGateway)
                result.AddError("give either --peer MULTIADDR (one node, directly) or --gateway URL (through a gateway)");
        });
}
