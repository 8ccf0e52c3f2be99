using System.Diagnostics;
using Cerebrum.Tests.Daemon;
using Cerebrum.Tests.TestSupport;

namespace Cerebrum.Tests.EndToEnd;

/// <summary>
/// The set-up step's launchers work: <c>scripts/install</c> (bash; the README's own run is in
/// <see cref="ReadmeExamplesEndToEndTests"/>) and <c>scripts/install.ps1</c> (through the repository's local PowerShell
/// tool) each write <c>cerebrumd</c> and <c>cerebrum</c> into the directory named, and print how to put it on PATH.
/// </summary>
[TestFixture]
[Platform("Linux", Reason = "runs the launchers as shell scripts")]
public sealed class InstallScriptTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Test]
    public Task Bash_WritesLaunchersThatRun() =>
        InstallAndRunAsync(bin => ["bash", Path.Combine(RepositoryRoot.Path, "scripts", "install"), "--bin", bin], $"export PATH=\"{{0}}:$PATH\"");

    [Test]
    public Task PowerShell_WritesLaunchersThatRun() =>
        InstallAndRunAsync(bin => ["dotnet", "tool", "run", "pwsh", "-NoProfile", "-File", Path.Combine(RepositoryRoot.Path, "scripts", "install.ps1"), "-Bin", bin],
            "$env:PATH = \"{0}:$env:PATH\"");

    private static async Task InstallAndRunAsync(Func<string, string[]> install, string pathLine)
    {
        using var directory = TemporaryDirectory.Create();
        var bin = Path.Combine(directory.Path, "bin");

        var (exitCode, stdout, stderr) = await RunAsync(install(bin));

        Assert.That(exitCode, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain($"installed cerebrumd and cerebrum in {bin}").And.Contain(string.Format(System.Globalization.CultureInfo.InvariantCulture, pathLine, bin)));
        var daemon = await RunAsync([Path.Combine(bin, "cerebrumd"), "--help"]);
        var cli = await RunAsync([Path.Combine(bin, "cerebrum"), "--help"]);
        Assert.That(daemon.ExitCode, Is.Zero, daemon.Stderr);
        Assert.That(daemon.Stdout, Does.Contain("cerebrumd: the Cerebrum daemon"));
        Assert.That(cli.ExitCode, Is.Zero, cli.Stderr);
        Assert.That(cli.Stdout, Does.Contain("cerebrum: command-line client"));
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot.Path };
        foreach (var argument in command[1..]) info.ArgumentList.Add(argument);
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeout);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
