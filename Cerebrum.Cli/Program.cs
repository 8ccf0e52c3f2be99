namespace Cerebrum.Cli;

public static class Program
{
    public static Task<int> Main(string[] args) => CerebrumCommandLine.RunAsync(args, Console.Out, Console.Error);
}
