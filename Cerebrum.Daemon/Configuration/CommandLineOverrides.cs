namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// Values given to <c>cerebrumd run</c> on its command line. A list given here replaces the configured list rather
/// than merging with it index by index, as .NET configuration would.
/// </summary>
public sealed record CommandLineOverrides
{
    public IReadOnlyList<string> ListenAddresses { get; init; } = [];

    /// <summary><c>--announce</c> values: replace Network:AnnounceAddresses when any is given.</summary>
    public IReadOnlyList<string> AnnounceAddresses { get; init; } = [];

    public IReadOnlyList<string> BootstrapPeers { get; init; } = [];

    public int? AdminPort { get; init; }

    /// <summary><c>--mode</c> values (each may be comma-separated); replace the configured "Modes" when any is given.</summary>
    public IReadOnlyList<string> Modes { get; init; } = [];

    /// <summary><c>--gpu</c>: sets Node:Gpu when true.</summary>
    public bool Gpu { get; init; }

    /// <summary><c>--http IP:PORT</c>: replaces Gateway:Http.</summary>
    public string? GatewayHttp { get; init; }

    /// <summary><c>--open</c>: sets Gateway:Open when true.</summary>
    public bool GatewayOpen { get; init; }

    /// <summary><c>--network NAME</c>: replaces Network:Preset.</summary>
    public string? NetworkPreset { get; init; }

    /// <summary><c>--genesis</c>: replaces Chain:Genesis (made absolute by the caller).</summary>
    public string? Genesis { get; init; }
}
