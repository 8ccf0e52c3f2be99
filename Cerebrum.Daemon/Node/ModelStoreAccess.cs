using Cerebrum.Core.Inference.Store;

namespace Cerebrum.Daemon.Node;

/// <summary>Opens a data directory's model store, turning "the database file is held by another process" into an actionable message.</summary>
public static class ModelStoreAccess
{
    /// <exception cref="IOException">The store's database is locked (a running daemon holds it) or unreadable.</exception>
    public static ModelStore Open(DataDirectory dataDirectory)
    {
        try
        {
            return new ModelStore(dataDirectory.Root);
        }
        catch (IOException e) when (e is not Core.Common.StoreDamagedException)
        {
            throw new IOException($"cannot open the model store {dataDirectory.ModelStorePath}: it is in use by another process, typically a running cerebrumd on this data directory; stop it first ({e.Message})", e);
        }
    }
}
