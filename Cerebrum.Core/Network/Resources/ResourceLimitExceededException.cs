namespace Cerebrum.Core.Network.Resources;

/// <summary>The <see cref="IResourceManager"/> refused a connection or stream.</summary>
public sealed class ResourceLimitExceededException : Exception
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
