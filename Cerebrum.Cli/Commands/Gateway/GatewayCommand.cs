using System.CommandLine;

namespace Cerebrum.Cli.Commands.Gateway;

/// <summary><c>cerebrum gateway</c>: administers a gateway's data directory.</summary>
public static class GatewayCommand
{
    public static Command Create() => new("gateway", "Administer a gateway (cerebrumd run --mode gateway).")
    {
        new Command("key", "Manage the API keys apps send as 'Authorization: Bearer KEY'. Only each key's SHA-256 is stored (DIR/gateway.db). While a daemon runs on DIR the commands go through its admin API, so changes apply at once; otherwise they open DIR/gateway.db directly.")
        {
            GatewayKeyCreateCommand.Create(),
            GatewayKeyListCommand.Create(),
            GatewayKeyRevokeCommand.Create(),
        },
        GatewayRoutesCommand.Create(),
        GatewayUsageCommand.Create(),
    };
}
