using System.CommandLine;
using Cerebrum.Daemon.Doctor;

namespace Cerebrum.Daemon.CommandLine;

/// <summary><c>cerebrumd doctor</c>: checks that a data directory is ready to run, one line per check; exit 0 when all pass, 1 otherwise.</summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = DataDirectoryOption.Create();
        var command = new Command("doctor", "Check that the daemon can run from DIR and say how to fix what cannot: identity key and config present and valid, listen addresses bindable, each model to serve loads and answers a dry run (zero inputs, dynamic dimensions 1), GPU usable or why not, and a short benchmark figure. Prints 'ok' or 'FAIL' per check; exits 0 when all pass, 1 otherwise. Run it while the daemon is stopped.")
        {
            dataDirectoryOption,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var dataDirectory = DataDirectory.Resolve(parseResult.GetValue(dataDirectoryOption));
            await stdout.WriteLineAsync($"data dir {dataDirectory.Root}");
            var checks = await NodeDoctor.RunAsync(dataDirectory, check => stdout.WriteLine(check), cancellationToken);
            var failed = checks.Count(c => !c.Passed);
            await stdout.WriteLineAsync(failed == 0 ? "all checks passed" : $"{failed} check(s) failed");
            return failed == 0 ? 0 : 1;
        });
        return command;
    }
}
