using System.CommandLine;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Configuration;

namespace Cerebrum.Daemon.CommandLine;

/// <summary><c>cerebrumd init</c>: creates the data directory, the identity key and a default config.json; never overwrites either.</summary>
public static class InitCommand
{
    public static Command Create()
    {
        var dataDirectoryOption = DataDirectoryOption.Create();
        var command = new Command("init", "Create the data directory with a new secp256k1 identity key (identity.key, owner-only) and a default config.json. Existing files are left untouched, so running it again is safe.")
        {
            dataDirectoryOption,
        };
        command.SetAction(parseResult =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            var dataDirectory = DataDirectory.Resolve(parseResult.GetValue(dataDirectoryOption));
            try
            {
                return Run(dataDirectory, stdout);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                stderr.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    public static int Run(DataDirectory dataDirectory, TextWriter stdout)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(dataDirectory.Root);
        else
            Directory.CreateDirectory(dataDirectory.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var (key, created) = KeyFile.LoadOrCreate(dataDirectory.KeyPath);
        using (key)
        {
            stdout.WriteLine(created
                ? $"created identity key {dataDirectory.KeyPath}"
                : $"identity key {dataDirectory.KeyPath} already exists; left untouched");
            stdout.WriteLine(DefaultConfigFile.TryCreate(dataDirectory.ConfigPath)
                ? $"created config {dataDirectory.ConfigPath}"
                : $"config {dataDirectory.ConfigPath} already exists; left untouched");
            stdout.WriteLine($"peer id {key.PeerId}");
            stdout.WriteLine($"data dir {dataDirectory.Root}");
        }
        return 0;
    }
}
