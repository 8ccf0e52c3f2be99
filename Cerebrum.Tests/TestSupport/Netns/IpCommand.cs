using System.Diagnostics;

namespace Cerebrum.Tests.TestSupport.Netns;

/// <summary>Runs iproute2's <c>ip</c> (and other set-up commands); a non-zero exit is an exception with its output.</summary>
internal static class IpCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary><c>ip ARGS</c>.</summary>
    public static string Run(params string[] arguments) => Exec("ip", arguments);

    /// <summary>Runs <paramref name="program"/> and returns its standard output.</summary>
    public static string Exec(string program, IReadOnlyList<string> arguments)
    {
        var (exit, stdout, stderr) = TryExec(program, arguments);
        if (exit != 0)
            throw new InvalidOperationException($"'{program} {string.Join(' ', arguments)}' exited with {exit}: {stderr.Trim()}{stdout.Trim()}");
        return stdout;
    }

    public static (int ExitCode, string Stdout, string Stderr) TryExec(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{program} {string.Join(' ', arguments)}' did not finish within {Timeout.TotalSeconds} s");
        }
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
