using Cerebrum.Core.Consensus;

namespace Cerebrum.Core.Operator.Configuration;

/// <summary>
/// The "Chain" section: where the genesis file is (the ledger is off without one), how often the view re-syncs,
/// and the consensus timing of validator mode. The daemon and the CLI (which finds the chain ID in the genesis) bind it
/// alike.
/// </summary>
public sealed record ChainOptions
{
    /// <summary>The genesis JSON file; a relative path is relative to the data directory. Unset: <c>DIR/genesis.json</c> if it exists.</summary>
    public string? Genesis { get; init; }

    /// <summary>How often the daemon asks its peers for their tip and syncs if behind (besides start-up and gossip showing it behind).</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Validator mode's consensus timeouts; the commit delay paces blocks (about two per second when idle; finality p50 about 0.5 s under load).</summary>
    public ConsensusOptions Consensus { get; init; } = new() { CommitDelay = TimeSpan.FromMilliseconds(500) };

    /// <summary>
    /// Recount the whole supply after every committed block and report any block that changed it (in the log and on
    /// <c>GET /chain/supply</c>); a pass over the state per block, on by default in devnets made by <c>init --devnet</c>.
    /// </summary>
    public bool AuditSupply { get; init; }

    /// <summary>The genesis file to load, or null when the daemon keeps no ledger.</summary>
    /// <exception cref="InvalidConfigurationException">Chain:Genesis names a file that does not exist.</exception>
    public string? ResolveGenesisPath(DataDirectory dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        if (string.IsNullOrWhiteSpace(Genesis))
            return File.Exists(dataDirectory.DefaultGenesisPath) ? dataDirectory.DefaultGenesisPath : null;
        var path = Path.GetFullPath(Genesis, dataDirectory.Root);
        return File.Exists(path) ? path : throw new InvalidConfigurationException([$"Chain:Genesis: no genesis file at {path}"]);
    }
}
