namespace Cerebrum.Cli;

/// <summary>A failure to report as one <c>error: …</c> line on stderr with a non-zero exit code, without a stack trace.</summary>
public sealed class CommandFailedException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
