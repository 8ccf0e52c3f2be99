using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.NameResolution;
using Cerebrum.Daemon.Node;

namespace Cerebrum.Daemon.Configuration;

/// <summary>Start-up checks of <see cref="DaemonOptions"/>; each error names its configuration key.</summary>
public static class DaemonOptionsValidator
{
    public static IReadOnlyList<string> Validate(DaemonOptions options)
    {
        var errors = new List<string>();
        var network = options.Network;
        for (var i = 0; i < network.ListenAddresses.Count; i++)
        {
            var key = $"Network:ListenAddresses:{i}";
            if (!Multiaddress.TryParse(network.ListenAddresses[i], out var address, out var error))
                errors.Add($"{key}: {error}");
            else if (address.PeerId is not null)
                errors.Add($"{key}: a listen address must not end in /p2p/<peer-id> (the daemon's own peer ID is implied)");
            else if (!address.TryGetTcpEndpoint(out _, out _, out _, out var isDns) || isDns)
                errors.Add($"{key}: '{address}' is not /ip4/<ip>/tcp/<port> or /ip6/<ip>/tcp/<port>");
        }
        for (var i = 0; i < network.AnnounceAddresses.Count; i++)
        {
            var key = $"Network:AnnounceAddresses:{i}";
            if (!Multiaddress.TryParse(network.AnnounceAddresses[i], out var address, out var error))
                errors.Add($"{key}: {error}");
            else if (address.PeerId is not null)
                errors.Add($"{key}: an announced address must not end in /p2p/<peer-id> (the daemon's own peer ID is implied)");
            else if (!address.TryGetTcpEndpoint(out var host, out var port, out _, out var isDns) || port == 0 || (!isDns && IsWildcard(host)))
                errors.Add($"{key}: '{address}' is not an address peers can dial (/ip4, /ip6, /dns, /dns4 or /dns6 with a non-zero /tcp port, not 0.0.0.0 or ::)");
        }
        for (var i = 0; i < network.BootstrapPeers.Count; i++)
        {
            var key = $"Network:BootstrapPeers:{i}";
            if (!Multiaddress.TryParse(network.BootstrapPeers[i], out var address, out var error))
                errors.Add($"{key}: {error}");
            else if (DnsaddrResolver.IsDnsaddr(address))
                continue; // the TXT records name the peers (and their IDs); a /p2p here only filters them
            else if (address.PeerId is null)
                errors.Add($"{key}: '{address}' lacks /p2p/<peer-id>; a bootstrap address must name the peer so that its identity is verified");
            else if (!address.TryGetTcpEndpoint(out _, out _, out _, out _))
                errors.Add($"{key}: '{address}' is not a TCP address (/ip4, /ip6, /dns, /dns4 or /dns6 with /tcp)");
        }
        for (var i = 0; i < network.StaticRelays.Count; i++)
        {
            var key = $"Network:StaticRelays:{i}";
            if (!Multiaddress.TryParse(network.StaticRelays[i], out var address, out var error))
                errors.Add($"{key}: {error}");
            else if (address.PeerId is null || Cerebrum.Core.Network.Addressing.AddressScope.IsRelayed(address) || !address.TryGetTcpEndpoint(out _, out _, out _, out _))
                errors.Add($"{key}: '{address}' must be a direct TCP address ending in /p2p/<peer-id>");
        }
        if (!NetworkOptions.ReachabilityValues.Contains(network.Reachability, StringComparer.Ordinal))
            errors.Add($"Network:Reachability: '{network.Reachability}' is not one of {string.Join(", ", NetworkOptions.ReachabilityValues)}");
        if (!NetworkOptions.DhtValues.Contains(network.Dht, StringComparer.Ordinal))
            errors.Add($"Network:Dht: '{network.Dht}' is not one of {string.Join(", ", NetworkOptions.DhtValues)}");
        RequirePositive(errors, "Network:DialTimeout", network.DialTimeout);
        RequirePositive(errors, "Network:DialBackoffBase", network.DialBackoffBase);
        if (network.DialBackoffMax < network.DialBackoffBase)
            errors.Add($"Network:DialBackoffMax: {network.DialBackoffMax} is shorter than Network:DialBackoffBase ({network.DialBackoffBase})");
        network.Perf.Validate(errors);
        network.Resources.Validate(errors);
        if (options.Admin.Port is < 0 or > 65535)
            errors.Add($"Admin:Port: {options.Admin.Port} is not a TCP port (0-65535; 0 picks a free port)");
        RequirePositive(errors, "Admin:DashboardLinkLifetime", options.Admin.DashboardLinkLifetime);
        RequirePositive(errors, "Admin:DashboardSessionLifetime", options.Admin.DashboardSessionLifetime);
        RequirePositive(errors, "Shutdown:Timeout", options.Shutdown.Timeout);
        foreach (var mode in options.Modes)
        {
            if (DaemonModes.Planned.Contains(mode, StringComparer.Ordinal))
                errors.Add($"Modes: '{mode}' mode is not available in this build yet (available: {string.Join(", ", DaemonModes.Available)})");
            else if (!DaemonModes.Available.Contains(mode, StringComparer.Ordinal))
                errors.Add($"Modes: unknown mode '{mode}' (available: {string.Join(", ", DaemonModes.Available)})");
        }
        try
        {
            NodeEngineOptions.From(options.Node).Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add($"Node: {e.Message}");
        }
        RequirePositive(errors, "Node:HeartbeatInterval", options.Node.HeartbeatInterval);
        if (options.Node.PricePerRequest < 0)
            errors.Add($"Node:PricePerRequest: must be a whole number of micro-CER, 0 or more, not {options.Node.PricePerRequest}");
        for (var i = 0; i < options.PubSub.Topics.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.PubSub.Topics[i]))
                errors.Add($"PubSub:Topics:{i}: a topic name must not be empty");
        }
        ChainOptionsValidator.Validate(options.Chain, errors);
        try
        {
            options.Verification.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add("Verification: " + e.Message);
        }
        try
        {
            options.Market.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add(e.Message);
        }
        RequirePositive(errors, "PubSub:BanDuration", options.PubSub.BanDuration);
        RequirePositive(errors, "PubSub:NodeStatusExpiry", options.PubSub.NodeStatusExpiry);
        if (options.PubSub.MaxNodeStatuses <= 0)
            errors.Add($"PubSub:MaxNodeStatuses: must be positive, not {options.PubSub.MaxNodeStatuses}");
        if (options.PubSub.NodeStatusMinInterval < TimeSpan.Zero)
            errors.Add($"PubSub:NodeStatusMinInterval: must not be negative, not {options.PubSub.NodeStatusMinInterval}");
        if (options.PubSub.MaxUnregisteredNodeStatusesPerIp <= 0)
            errors.Add($"PubSub:MaxUnregisteredNodeStatusesPerIp: must be positive, not {options.PubSub.MaxUnregisteredNodeStatusesPerIp}");
        GatewayOptionsValidator.Validate(options.Gateway, errors);
        GatewayOptionsValidator.ValidateMode(options, errors);
        TelemetryOptionsValidator.Validate(options.Telemetry, errors);
        return errors;
    }

    private static bool IsWildcard(string host) =>
        System.Net.IPAddress.TryParse(host, out var ip) && (ip.Equals(System.Net.IPAddress.Any) || ip.Equals(System.Net.IPAddress.IPv6Any));

    private static void RequirePositive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
            errors.Add($"{key}: must be a positive duration such as \"00:00:10\", not {value}");
    }
}
