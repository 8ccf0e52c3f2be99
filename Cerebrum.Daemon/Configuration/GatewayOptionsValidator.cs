using System.Net;

namespace Cerebrum.Daemon.Configuration;

/// <summary>Start-up checks of the "Gateway" section; each error names its key.</summary>
public static class GatewayOptionsValidator
{
    /// <summary>Gateway mode learns its nodes from the heartbeats on cerebrum/1/status, so it must join that topic.</summary>
    public static void ValidateMode(DaemonOptions options, List<string> errors)
    {
        if (options.HasMode(DaemonModes.Gateway) && !options.PubSub.Topics.Contains(Status.NodeDirectoryService.Topic, StringComparer.Ordinal))
            errors.Add($"PubSub:Topics: gateway mode needs '{Status.NodeDirectoryService.Topic}', where nodes announce themselves");
    }

    public static void Validate(GatewayOptions gateway, List<string> errors)
    {
        if (!IPEndPoint.TryParse(gateway.Http, out var endpoint) || !gateway.Http.Contains(':', StringComparison.Ordinal))
            errors.Add($"Gateway:Http: '{gateway.Http}' is not IP:PORT (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080; port 0 picks a free port)");
        else if (endpoint.Port is < 0 or > 65535)
            errors.Add($"Gateway:Http: port {endpoint.Port} is not a TCP port");
        if (gateway.MaxRequestBytes <= 0)
            errors.Add($"Gateway:MaxRequestBytes: must be positive, not {gateway.MaxRequestBytes}");
        if (gateway.RequestTimeout <= TimeSpan.Zero)
            errors.Add($"Gateway:RequestTimeout: must be a positive duration such as \"00:00:30\", not {gateway.RequestTimeout}");
        if (gateway.MaxConcurrentRequestsPerKey <= 0)
            errors.Add($"Gateway:MaxConcurrentRequestsPerKey: must be positive, not {gateway.MaxConcurrentRequestsPerKey}");
        if (gateway.MaxEmbeddingInputs <= 0)
            errors.Add($"Gateway:MaxEmbeddingInputs: must be positive, not {gateway.MaxEmbeddingInputs}");
        if (gateway.RoutingRefreshInterval <= TimeSpan.Zero)
            errors.Add($"Gateway:RoutingRefreshInterval: must be a positive duration, not {gateway.RoutingRefreshInterval}");
        foreach (var node in gateway.Nodes)
            if (!Core.Crypto.PeerId.TryParse(node, out _, out var error))
                errors.Add($"Gateway:Nodes: '{node}' is not a peer ID ({error})");
        try
        {
            gateway.Routing.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add($"Gateway:Routing: {e.Message}");
        }
        try
        {
            gateway.Payments.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add(e.Message);
        }
        try
        {
            gateway.SecondRuns.Validate();
        }
        catch (ArgumentException e)
        {
            errors.Add(e.Message);
        }
        if (gateway.UsageFlushInterval <= TimeSpan.Zero)
            errors.Add($"Gateway:UsageFlushInterval: must be a positive duration, not {gateway.UsageFlushInterval}");
        var self = gateway.SelfService;
        if (self.KeysPerIpPerHour < 1) errors.Add($"Gateway:SelfService:KeysPerIpPerHour: must be 1 or more, not {self.KeysPerIpPerHour}");
        if (self.MaxKeys < 1) errors.Add($"Gateway:SelfService:MaxKeys: must be 1 or more, not {self.MaxKeys}");
        if (self.Budget is 0 or > long.MaxValue) errors.Add($"Gateway:SelfService:Budget: must be 1 to {long.MaxValue} micro-CER, not {self.Budget}");
        if (!(self.RatePerSecond > 0) || double.IsInfinity(self.RatePerSecond))
            errors.Add($"Gateway:SelfService:RatePerSecond: must be a positive number of requests per second, not {self.RatePerSecond}");
        if (self.TrackedAddresses < 1) errors.Add($"Gateway:SelfService:TrackedAddresses: must be 1 or more, not {self.TrackedAddresses}");
    }
}
