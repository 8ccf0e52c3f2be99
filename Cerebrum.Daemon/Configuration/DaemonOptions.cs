namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// Everything <c>cerebrumd run</c> is configured with: <c>DIR/config.json</c>, overridden by <c>CEREBRUM__…</c>
/// environment variables (e.g. <c>CEREBRUM__Admin__Port=5001</c>), overridden by command-line options.
/// Each property is one section of config.json; unknown keys inside a section are errors, unknown sections are ignored
/// (so "Logging" and the sections of modes this build lacks don't break it).
/// </summary>
public sealed record DaemonOptions
{
    /// <summary>Roles on top of the network peer (see <see cref="DaemonModes"/>), e.g. ["node"]; empty runs a plain network daemon.</summary>
    public IReadOnlyList<string> Modes { get; init; } = [];


    public NetworkOptions Network { get; init; } = new();

    public AdminOptions Admin { get; init; } = new();

    public ShutdownOptions Shutdown { get; init; } = new();

    /// <summary>Used when <see cref="Modes"/> has "node".</summary>
    public NodeOptions Node { get; init; } = new();

    /// <summary>Used when <see cref="Modes"/> has "gateway".</summary>
    public GatewayOptions Gateway { get; init; } = new();

    public bool HasMode(string mode) => Modes.Contains(mode, StringComparer.Ordinal);
    public PubSubOptions PubSub { get; init; } = new();

    /// <summary>Distributed tracing (OpenTelemetry over OTLP); off by default.</summary>
    public TelemetryOptions Telemetry { get; init; } = new();

    /// <summary>The ledger (every mode, when there is a genesis file) and validator mode's consensus.</summary>
    public ChainOptions Chain { get; init; } = new();

    /// <summary>The genesis file to load, or null when the daemon keeps no ledger; validator mode requires one.</summary>
    /// <exception cref="InvalidConfigurationException">The named file is missing, or validator mode has no genesis.</exception>
    public string? ResolveGenesisPath(DataDirectory dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        var path = Chain.ResolveGenesisPath(dataDirectory);
        if (path is null && HasMode(DaemonModes.Validator))
            throw new InvalidConfigurationException([$"Modes: validator mode needs the network's genesis file: set Chain:Genesis, pass --genesis FILE, or put it at {dataDirectory.DefaultGenesisPath} (cerebrumd init --devnet N writes one)"]);
        return path;
    }
}
