namespace Cerebrum.Cli;

/// <summary>
/// Where the CLI finds a local daemon: the same data-directory layout and default as cerebrumd's
/// (<c>--data-dir</c>, else <c>$CEREBRUM_HOME</c>, else <c>~/.cerebrum</c>).
/// </summary>
public sealed record DaemonDirectory(string Root)
{
    public const string HomeEnvironmentVariable = "CEREBRUM_HOME";

    public string AdminUrlPath => Path.Combine(Root, "admin.url");

    public string CookiePath => Path.Combine(Root, ".cookie");

    /// <summary>The daemon's secp256k1 identity; the CLI signs ledger transactions with it.</summary>
    public string KeyPath => Path.Combine(Root, "identity.key");

    /// <summary>The ledger's genesis file when the daemon keeps one in its data directory (init --devnet does).</summary>
    public string GenesisPath => Path.Combine(Root, "genesis.json");

    /// <summary>Held exclusively by a running daemon, and by the CLI while it changes the directory's model store.</summary>
    public string LockPath => Path.Combine(Root, ".lock");

    public static DaemonDirectory Resolve(string? option)
    {
        var root = option;
        if (string.IsNullOrWhiteSpace(root))
            root = Environment.GetEnvironmentVariable(HomeEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(root))
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cerebrum");
        return new DaemonDirectory(Path.GetFullPath(root));
    }
}
