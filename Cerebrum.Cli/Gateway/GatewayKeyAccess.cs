using Cerebrum.Cli.Admin;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Operator;

namespace Cerebrum.Cli.Gateway;

/// <summary>
/// Where the key commands change a gateway's keys: through the admin API of the daemon that runs on the data directory
/// (it holds <c>DIR/.lock</c> and the open key database), or, while none runs, in <c>DIR/gateway.db</c> directly under
/// the same lock, so that a daemon cannot start mid-command.
/// </summary>
public sealed class GatewayKeyAccess : IDisposable
{
    private readonly FileStream? _lock;

    private GatewayKeyAccess(FileStream directoryLock, ApiKeyStore store)
    {
        _lock = directoryLock;
        Store = store;
    }

    private GatewayKeyAccess(AdminClient admin) => Admin = admin;

    /// <summary>Set when no daemon runs: the store, opened directly.</summary>
    public ApiKeyStore? Store { get; }

    /// <summary>Set when a daemon runs on the directory.</summary>
    public AdminClient? Admin { get; }

    public static GatewayKeyAccess Open(DataDirectory directory)
    {
        FileStream directoryLock;
        try
        {
            directoryLock = new FileStream(directory.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return new GatewayKeyAccess(AdminClient.Open(directory));
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CommandFailedException($"cannot open the data directory {directory.Root}: {e.Message}");
        }
        try
        {
            return new GatewayKeyAccess(directoryLock, new ApiKeyStore(directory.Root));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteDB.LiteException)
        {
            directoryLock.Dispose();
            throw new CommandFailedException($"cannot open the key store {directory.GatewayKeyStorePath}: {e.Message}");
        }
    }

    public void Dispose()
    {
        Store?.Dispose();
        _lock?.Dispose();
        Admin?.Dispose();
    }
}
