using Cerebrum.Core.Inference;

namespace Cerebrum.Cli.Inference;

/// <summary>
/// Opens the model store of a data directory for the <c>cerebrum model</c> commands. The store's LiteDB file has one
/// writer: while a cerebrumd runs on the directory in node mode it holds the file, and the commands say so and stop.
/// </summary>
public static class LocalModelStore
{
    /// <exception cref="CommandFailedException">The store is held by a running daemon, or cannot be opened.</exception>
    public static ModelStore Open(DaemonDirectory directory)
    {
        try
        {
            return new ModelStore(directory.Root);
        }
        catch (IOException e)
        {
            throw new CommandFailedException(
                $"the model store in {directory.Root} is in use by a running cerebrumd (its database has a single writer); stop the daemon, change the models, then start it again ({e.Message})");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CommandFailedException($"cannot open the model store in {directory.Root}: {e.Message}");
        }
    }
}
