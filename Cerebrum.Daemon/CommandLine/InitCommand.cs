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
        var devnetOption = new Option<int?>("--devnet")
        {
            Description = "Instead: write a local test network of N validators under --out DIR (DIR/v0..DIR/v{N-1}, DIR/genesis.json, DIR/faucet.key); then 'cerebrumd run --data-dir DIR/vK' for each K forms it.",
            HelpName = "N",
        };
        var outOption = new Option<string?>("--out") { Description = "With --devnet: the directory to write the network into.", HelpName = "DIR" };
        var basePortOption = new Option<int>("--base-port")
        {
            Description = $"With --devnet: validator K listens on 127.0.0.1 port BASE+K (default {DevnetInitializer.DefaultBasePort}); 0: each on a free port, with no bootstrap peers (start v0 first and pass its address to the others with --bootstrap).",
            HelpName = "BASE",
            DefaultValueFactory = _ => DevnetInitializer.DefaultBasePort,
        };
        var fundOption = new Option<string[]>("--fund")
        {
            Description = $"With --devnet: also fund this account in the genesis with {DevnetInitializer.StartingBalance} micro-CER: a peer ID, or a data directory holding an identity key. Repeat for several.",
            HelpName = "PEER|DIR",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("init", "Create the data directory with a new secp256k1 identity key (identity.key, owner-only) and a default config.json. Existing files are left untouched, so running it again is safe. With --devnet N --out DIR: a local N-validator network instead.")
        {
            dataDirectoryOption,
            devnetOption,
            outOption,
            basePortOption,
            fundOption,
        };
        command.SetAction(parseResult =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            var dataDirectory = DataDirectory.Resolve(parseResult.GetValue(dataDirectoryOption));
            try
            {
                if (parseResult.GetValue(devnetOption) is { } count)
                {
                    if (parseResult.GetValue(outOption) is not { Length: > 0 } output)
                    {
                        stderr.WriteLine("error: --devnet N needs --out DIR (where to write the validators' directories)");
                        return 1;
                    }
                    return DevnetInitializer.Run(output, count, parseResult.GetValue(basePortOption), parseResult.GetValue(fundOption) ?? [], stdout);
                }
                return Run(dataDirectory, stdout);
            }
            catch (ArgumentOutOfRangeException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return 1;
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
