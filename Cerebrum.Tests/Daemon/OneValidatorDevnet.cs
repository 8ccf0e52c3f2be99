using System.Text.Json.Nodes;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.CommandLine;

namespace Cerebrum.Tests.Daemon;

/// <summary>
/// <c>cerebrumd init --devnet 1</c> under a directory, with a 100 ms commit delay so blocks come quickly: the validator's
/// data directory (for <see cref="TestDaemon"/>, which listens on a free port) and the funded faucet key.
/// </summary>
internal static class OneValidatorDevnet
{
    public static async Task<(string DataDirectory, PrivateKey Faucet)> CreateAsync(string directory, CancellationToken cancellationToken)
    {
        var root = Path.Combine(directory, "devnet");
        Assert.That((await InitCommandTests.RunAsync("init", "--devnet", "1", "--out", root, "--base-port", "1")).ExitCode, Is.Zero);
        var data = Path.Combine(root, "v0");
        var configPath = Path.Combine(data, "config.json");
        var config = JsonNode.Parse(await File.ReadAllTextAsync(configPath, cancellationToken))!.AsObject();
        config["Chain"]!["Consensus"]!["CommitDelay"] = "00:00:00.100";
        await File.WriteAllTextAsync(configPath, config.ToJsonString(), cancellationToken);
        return (data, KeyFile.Load(Path.Combine(root, DevnetInitializer.FaucetKeyFileName)));
    }
}
