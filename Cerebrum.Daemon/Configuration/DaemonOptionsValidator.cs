using Cerebrum.Core.Crypto;

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
            if (CheckMultiaddress(network.ListenAddresses[i]) is { } error)
                errors.Add($"{key}: {error}");
            else if (network.ListenAddresses[i].Contains("/p2p/", StringComparison.Ordinal))
                errors.Add($"{key}: a listen address must not contain /p2p/ (the daemon's own peer ID is implied)");
        }
        for (var i = 0; i < network.BootstrapPeers.Count; i++)
        {
            var key = $"Network:BootstrapPeers:{i}";
            if (CheckMultiaddress(network.BootstrapPeers[i]) is { } error)
                errors.Add($"{key}: {error}");
            else if (CheckEndsWithPeerId(network.BootstrapPeers[i]) is { } peerError)
                errors.Add($"{key}: {peerError}");
        }
        RequirePositive(errors, "Network:DialTimeout", network.DialTimeout);
        RequirePositive(errors, "Network:DialBackoffBase", network.DialBackoffBase);
        if (network.DialBackoffMax < network.DialBackoffBase)
            errors.Add($"Network:DialBackoffMax: {network.DialBackoffMax} is shorter than Network:DialBackoffBase ({network.DialBackoffBase})");
        if (options.Admin.Port is < 0 or > 65535)
            errors.Add($"Admin:Port: {options.Admin.Port} is not a TCP port (0-65535; 0 picks a free port)");
        RequirePositive(errors, "Shutdown:Timeout", options.Shutdown.Timeout);
        return errors;
    }

    private static void RequirePositive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
            errors.Add($"{key}: must be a positive duration such as \"00:00:10\", not {value}");
    }

    private static string? CheckMultiaddress(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return "empty multiaddress";
        if (!text.StartsWith('/') || text.Length < 2)
            return $"'{text}' is not a multiaddress (expected e.g. /ip4/0.0.0.0/tcp/4001)";
        return null;
    }

    private static string? CheckEndsWithPeerId(string text)
    {
        var marker = text.LastIndexOf("/p2p/", StringComparison.Ordinal);
        if (marker < 0)
            return $"'{text}' lacks /p2p/<peer-id>; a bootstrap address must name the peer so that its identity is verified";
        return PeerId.TryParse(text[(marker + 5)..], out _, out var error) ? null : $"'{text}': {error}";
    }
}
