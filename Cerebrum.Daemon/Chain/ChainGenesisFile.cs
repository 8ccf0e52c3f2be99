namespace Cerebrum.Daemon.Chain;

/// <summary>The genesis file this daemon's ledger is opened with (registered only when the daemon keeps a ledger).</summary>
public sealed record ChainGenesisFile(string Path);
