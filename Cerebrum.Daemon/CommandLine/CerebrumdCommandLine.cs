using System.CommandLine;

namespace Cerebrum.Daemon.CommandLine;

/// <summary>The cerebrumd command tree; <see cref="RunAsync"/> is the whole program, callable in-process by tests.</summary>
public static class CerebrumdCommandLine
{
    public static RootCommand CreateRootCommand() => new("cerebrumd: the Cerebrum daemon, a peer of the Cerebrum decentralized AI inference network (libp2p). Run 'cerebrumd init', then 'cerebrumd run'.")
    {
        InitCommand.Create(),
        RunCommand.Create(),
        DoctorCommand.Create(),
    };

    /// <param name="cancellationToken">Stops a running daemon as SIGTERM would.</param>
    /// <remarks>No response files: a path given to --data-dir or --genesis may start with @.</remarks>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        CreateRootCommand().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync(new InvocationConfiguration
        {
            Output = stdout,
            Error = stderr,
            // The hosting ConsoleLifetime handles SIGINT/SIGTERM with a graceful stop; System.CommandLine's own handler would race it.
            ProcessTerminationTimeout = null,
        }, cancellationToken);
}
