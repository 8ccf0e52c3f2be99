namespace Cerebrum.Core.Network.Resources;

/// <summary>
/// The <see cref="IResourceManager"/> refused a connection, a stream or a reservation. An <see cref="IOException"/>, as
/// any other reason a stream could not be had, so that callers already prepared for a failed stream handle it too.
/// </summary>
public sealed class ResourceLimitExceededException : IOException
{
    public ResourceLimitExceededException()
        : this("refused by the resource manager")
    {
    }

    public ResourceLimitExceededException(string message)
        : base(message)
    {
    }

    public ResourceLimitExceededException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
