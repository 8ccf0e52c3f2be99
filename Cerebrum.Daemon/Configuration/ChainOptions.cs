using Cerebrum.Core.Consensus;

namespace Cerebrum.Daemon.Configuration;

/// <summary>
/// The "Chain" section: where the genesis file is (the ledger is off without one), how often the view re-syncs,
/// and the consensus timing of validator mode.
/// </summary>
public sealed record ChainOptions
{
    /// <summary>The genesis JSON file; a relative path is relative to the data directory. Unset: <c>DIR/genesis.json</c> if it exists.</summary>
    public string? Genesis { get; init; }

    /// <summary>How often the daemon asks its peers for their tip and syncs if behind (besides start-up and gossip showing it behind).</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Validator mode's consensus timeouts; the commit delay paces blocks (about two per second when idle; finality p50 about 0.5 s under load).</summary>
    public ConsensusOptions Consensus { get; init; } = new() { CommitDelay = TimeSpan.FromMilliseconds(500) };

    /// <summary>The genesis file to load, or null when the daemon keeps no ledger; validator mode requires one.</summary>
    /// <exception cref="InvalidConfigurationException">The named file is missing, or validator mode has no genesis.</exception>
    public static string? ResolveGenesisPath(DaemonOptions options, DataDirectory dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.Chain.ResolveGenesisPath(dataDirectory);
        if (path is null && options.HasMode(DaemonModes.Validator))
            throw new InvalidConfigurationException([$"Modes: validator mode needs the network's genesis file: set Chain:Genesis, pass --genesis FILE, or put it at {Path.Combine(dataDirectory.Root, "genesis.json")} (cerebrumd init --devnet N writes one)"]);
        return path;
    }

    /// <summary>The genesis file to load, or null when the daemon keeps no ledger.</summary>
    /// <exception cref="InvalidConfigurationException">Chain:Genesis names a file that does not exist.</exception>
    public string? ResolveGenesisPath(DataDirectory dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        if (string.IsNullOrWhiteSpace(Genesis))
        {
            var implicitPath = Path.Combine(dataDirectory.Root, "genesis.json");
            return File.Exists(implicitPath) ? implicitPath : null;
        }
        var path = Path.GetFullPath(Genesis, dataDirectory.Root);
        return File.Exists(path) ? path : throw new InvalidConfigurationException([$"Chain:Genesis: no genesis file at {path}"]);
    }
}
