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

    public string ConfigPath => Path.Combine(Root, "config.json");

    /// <summary>
    /// The daemon's genesis file as the daemon finds it: <c>Chain:Genesis</c> of its config.json (relative to the data
    /// directory, as init --devnet writes it), else <c>DIR/genesis.json</c>; null when neither names an existing file.
    /// </summary>
    /// <exception cref="CommandFailedException">config.json is not valid JSON.</exception>
    public string? FindGenesis()
    {
        if (File.Exists(ConfigPath))
        {
            try
            {
                using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(ConfigPath), new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip, AllowTrailingCommas = true });
                if (config.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                    && config.RootElement.TryGetProperty("Chain", out var chain) && chain.ValueKind == System.Text.Json.JsonValueKind.Object
                    && chain.TryGetProperty("Genesis", out var genesis) && genesis.ValueKind == System.Text.Json.JsonValueKind.String
                    && !string.IsNullOrWhiteSpace(genesis.GetString()))
                {
                    var configured = Path.GetFullPath(genesis.GetString()!, Root);
                    return File.Exists(configured) ? configured : null;
                }
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new CommandFailedException($"{ConfigPath} is not valid JSON: {e.Message}");
            }
        }
        var implicitPath = Path.Combine(Root, "genesis.json");
        return File.Exists(implicitPath) ? implicitPath : null;
    }

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
