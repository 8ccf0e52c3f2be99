using System.CommandLine;

namespace Cerebrum.Cli;

/// <summary>Wraps command bodies so that every failure prints exactly one <c>error: …</c> line and exits non-zero.</summary>
public static class CommandActions
{
    public static void SetGuardedAction(this Command command, Func<ParseResult, TextWriter, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var stderr = parseResult.InvocationConfiguration.Error;
            try
            {
                return await body(parseResult, parseResult.InvocationConfiguration.Output, cancellationToken);
            }
            catch (CommandFailedException e)
            {
                await stderr.WriteLineAsync($"error: {e.Message}");
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await stderr.WriteLineAsync("error: interrupted");
                return 130;
            }
            catch (Exception e)
            {
                // Unforeseen failures still get one line, naming the exception type for bug reports.
                await stderr.WriteLineAsync($"error: {e.GetType().Name}: {e.Message}");
                return 1;
            }
        });
}
