using Cerebrum.Daemon.CommandLine;

namespace Cerebrum.Daemon;

public static class Program
{
    public static Task<int> Main(string[] args) => CerebrumdCommandLine.RunAsync(args, Console.Out, Console.Error);
}
