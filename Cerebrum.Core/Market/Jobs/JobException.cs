namespace Cerebrum.Core.Market.Jobs;

/// <summary>A batch job that cannot be submitted or run, with a message for the person who submitted it.</summary>
public sealed class JobException : Exception
{
    public JobException(string message)
        : base(message)
    {
    }

    public JobException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
