using Cerebrum.Core.Inference.Store;
using Cerebrum.Core.Operator;

namespace Cerebrum.Cli.Inference;

/// <summary>
/// The model store of a data directory, opened for the <c>cerebrum model</c> commands while holding the directory's
/// <c>.lock</c>, the same lock a running cerebrumd holds. The store's LiteDB file must have a single user, so while a
/// daemon runs on the directory the commands refuse with a clear message, and a daemon cannot start mid-command.
/// </summary>
public sealed class LocalModelStore : IDisposable
{
    private readonly FileStream _lock;

    private LocalModelStore(FileStream directoryLock, ModelStore store)
    {
        _lock = directoryLock;
        Store = store;
    }

    public ModelStore Store { get; }

    /// <exception cref="CommandFailedException">A daemon runs on the directory, or the store cannot be opened.</exception>
    public static LocalModelStore Open(DataDirectory directory)
    {
        FileStream directoryLock;
        try
        {
            directoryLock = new FileStream(directory.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new CommandFailedException(
                $"a cerebrumd is running with data directory {directory.Root} and owns its model store (one user at a time); stop it, change the models, then start it again");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CommandFailedException($"cannot open the data directory {directory.Root}: {e.Message}");
        }
        try
        {
            return new LocalModelStore(directoryLock, new ModelStore(directory.Root));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteDB.LiteException)
        {
            directoryLock.Dispose();
            throw new CommandFailedException($"cannot open the model store in {directory.Root}: {e.Message}");
        }
    }

    public void Dispose()
    {
        Store.Dispose();
        _lock.Dispose();
    }
}
