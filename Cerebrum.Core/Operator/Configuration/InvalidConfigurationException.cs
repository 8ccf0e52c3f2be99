namespace Cerebrum.Core.Operator.Configuration;

/// <summary>The configuration could not be read or failed validation; <see cref="Errors"/> lists every problem found.</summary>
public sealed class InvalidConfigurationException : Exception
{
    public InvalidConfigurationException(IReadOnlyList<string> errors)
        : base("invalid configuration: " + string.Join("; ", errors)) => Errors = errors;

    public IReadOnlyList<string> Errors { get; }
}
