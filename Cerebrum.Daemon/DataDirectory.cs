using Cerebrum.Core.Crypto;

namespace Cerebrum.Daemon;

/// <summary>
/// The files of one daemon's data directory. The CLI reads <see cref="AdminUrlPath"/> and <see cref="CookiePath"/>
/// by the same names, so renaming any of them is a breaking change.
/// </summary>
public sealed record DataDirectory(string Root)
{
    public const string HomeEnvironmentVariable = "CEREBRUM_HOME";

    public string KeyPath => Path.Combine(Root, KeyFile.FileName);

    public string ConfigPath => Path.Combine(Root, "config.json");

    /// <summary>The admin API's base URL, written once the API listens and removed at shutdown.</summary>
    public string AdminUrlPath => Path.Combine(Root, "admin.url");

    /// <summary>The admin API's bearer secret, fresh each start, owner-only, removed at shutdown (bitcoind's cookie scheme).</summary>
    public string CookiePath => Path.Combine(Root, ".cookie");

    /// <summary>Held exclusively while a daemon runs, so that two daemons never share one directory.</summary>
    public string LockPath => Path.Combine(Root, ".lock");

    /// <summary><paramref name="option"/> if given, else <c>$CEREBRUM_HOME</c>, else <c>~/.cerebrum</c>; always made absolute.</summary>
    public static DataDirectory Resolve(string? option)
    {
        var root = option;
        if (string.IsNullOrWhiteSpace(root))
            root = Environment.GetEnvironmentVariable(HomeEnvironmentVariable);
        if (string.IsNullOrWhiteSpace(root))
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cerebrum");
        return new DataDirectory(Path.GetFullPath(root));
    }
}
