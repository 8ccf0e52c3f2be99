using Microsoft.Extensions.Configuration;

namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// Binds and validates <see cref="DaemonOptions"/> from a data directory's layered configuration
/// (<see cref="DataDirectoryConfiguration.Build"/>: config.json, then <c>CEREBRUM__</c> environment variables) and the command line.
/// </summary>
public static class DaemonConfiguration
{
    /// <summary>Binds, applies <paramref name="overrides"/>, fills defaults and validates.</summary>
    /// <exception cref="InvalidConfigurationException">Every binding and validation error, at once.</exception>
    public static DaemonOptions Load(IConfiguration configuration, CommandLineOverrides overrides)
    {
        var errors = new List<string>();
        var network = BindSection<NetworkOptions>(configuration, "Network", errors);
        var admin = BindSection<AdminOptions>(configuration, "Admin", errors);
        var shutdown = BindSection<ShutdownOptions>(configuration, "Shutdown", errors);
        var node = BindSection<NodeOptions>(configuration, "Node", errors);
        var modesSection = configuration.GetSection("Modes");
        // "Modes": ["node"] in config.json, CEREBRUM__Modes__0=node, or a comma-separated scalar (CEREBRUM__Modes=node,gateway).
        IEnumerable<string> modes = modesSection.Value is { } scalar ? [scalar] : modesSection.GetChildren().Select(c => c.Value ?? "");
        var pubSub = BindSection<PubSubOptions>(configuration, "PubSub", errors);
        var gateway = BindSection<GatewayOptions>(configuration, "Gateway", errors);
        var chain = BindSection<ChainOptions>(configuration, "Chain", errors);
        var verification = BindSection<Core.Verification.VerificationOptions>(configuration, "Verification", errors);
        var telemetry = BindSection<TelemetryOptions>(configuration, "Telemetry", errors);
        // The market's section (Market:Lease, Market:OfferInterval, Market:Region, ...) was never bound before: nodes rented
        // nothing and offered every 30 s whatever their config said.
        var market = BindSection<Core.Market.MarketOptions>(configuration, "Market", errors);
        try
        {
            market.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add($"Market: {e.Message}");
        }
        if (errors.Count > 0)
            throw new InvalidConfigurationException(errors);

        if (overrides.ListenAddresses.Count > 0)
            network = network with { ListenAddresses = overrides.ListenAddresses };
        if (network.ListenAddresses.Count == 0)
            network = network with { ListenAddresses = NetworkOptions.DefaultListenAddresses };
        if (overrides.AnnounceAddresses.Count > 0)
            network = network with { AnnounceAddresses = overrides.AnnounceAddresses };
        if (overrides.BootstrapPeers.Count > 0)
            network = network with { BootstrapPeers = overrides.BootstrapPeers };
        if (overrides.AdminPort is { } port)
            admin = admin with { Port = port };
        if (overrides.Modes.Count > 0)
            modes = overrides.Modes;
        if (overrides.Gpu)
            node = node with { Gpu = true };
        if (overrides.GatewayHttp is { } http)
            gateway = gateway with { Http = http };
        if (overrides.GatewayOpen)
            gateway = gateway with { Open = true };
        if (overrides.Genesis is { } genesis)
            chain = chain with { Genesis = genesis };

        if (pubSub.Topics.Count == 0)
            pubSub = pubSub with { Topics = PubSubOptions.DefaultTopics };

        var options = new DaemonOptions { Modes = DaemonModes.Normalize(modes), Network = network, Admin = admin, Shutdown = shutdown, Node = node, PubSub = pubSub, Gateway = gateway, Chain = chain, Verification = verification, Telemetry = telemetry, Market = market };
        errors.AddRange(DaemonOptionsValidator.Validate(options));
        if (errors.Count > 0)
            throw new InvalidConfigurationException(errors);
        return options;
    }

    private static T BindSection<T>(IConfiguration configuration, string name, List<string> errors) where T : new() =>
        DataDirectoryConfiguration.BindSection<T>(configuration, name, errors);
}
