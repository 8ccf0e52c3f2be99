using Cerebrum.Core.Chain.Store;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Core.Operator;

/// <summary>
/// The files of one daemon's data directory, DIR: what cerebrumd writes and the cerebrum CLI reads. Both programs use
/// this one type, so a file's name is defined once; renaming any of them is a breaking change for running daemons.
/// </summary>
public sealed record DataDirectory(string Root)
{
    public const string HomeEnvironmentVariable = "CEREBRUM_HOME";

    /// <summary>The daemon's secp256k1 identity (its peer ID and ledger account); owner-only.</summary>
    public string KeyPath => Path.Combine(Root, KeyFile.FileName);

    /// <summary>The daemon's settings; read with <see cref="Configuration.DataDirectoryConfiguration"/>.</summary>
    public string ConfigPath => Path.Combine(Root, "config.json");

    /// <summary>The genesis file used when <c>Chain:Genesis</c> names none (and only if it exists).</summary>
    public string DefaultGenesisPath => Path.Combine(Root, "genesis.json");

    /// <summary>The admin API's base URL, written once the API listens and removed at shutdown.</summary>
    public string AdminUrlPath => Path.Combine(Root, "admin.url");

    /// <summary>The admin API's bearer secret, fresh each start, owner-only, removed at shutdown (bitcoind's cookie scheme).</summary>
    public string CookiePath => Path.Combine(Root, ".cookie");

    /// <summary>Gateway mode: the app-facing HTTP API's base URL, written once it listens.</summary>
    public string GatewayUrlPath => Path.Combine(Root, "gateway.url");

    /// <summary>
    /// Held exclusively while a daemon runs, so that two daemons never share one directory, and by the CLI while it
    /// changes a store directly (the stores' LiteDB files have one user at a time).
    /// </summary>
    public string LockPath => Path.Combine(Root, ".lock");

    /// <summary>The content-addressed model store's database (its ONNX files are beside it, under <c>models/</c>).</summary>
    public string ModelStorePath => Path.Combine(Root, ModelStore.DatabaseFileName);

    /// <summary>The ledger: blocks, transactions and state.</summary>
    public string ChainStorePath => Path.Combine(Root, ChainStore.FileName);

    /// <summary>Gateway mode: the API keys (their SHA-256 hashes only).</summary>
    public string GatewayKeyStorePath => Path.Combine(Root, ApiKeyStore.FileName);

    /// <summary>Validator mode: the last consensus step signed, persisted before it is sent so a restart never signs twice.</summary>
    public string ConsensusLastSignedPath => Path.Combine(Root, "consensus-last-signed.json");

    public bool Exists => Directory.Exists(Root);

    /// <summary>
    /// <paramref name="option"/> if given, else <c>$CEREBRUM_HOME</c>, else <c>~/.cerebrum</c>; a relative path is
    /// taken from <paramref name="workingDirectory"/> (default: the process's), and the result is always absolute.
    /// </summary>
    public static DataDirectory Resolve(string? option, string? workingDirectory = null)
    {
        var root = option;
        if (string.IsNullOrWhiteSpace(root))
            root = Environment.GetEnvironmentVariable(HomeEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(root))
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cerebrum");
        return new DataDirectory(workingDirectory is null ? Path.GetFullPath(root) : Path.GetFullPath(root, workingDirectory));
    }
}
