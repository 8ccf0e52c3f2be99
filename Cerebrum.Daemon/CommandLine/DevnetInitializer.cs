using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Configuration;

namespace Cerebrum.Daemon.CommandLine;

/// <summary>
/// <c>cerebrumd init --devnet N --out DIR</c>: a local test network of N validators. Writes <c>DIR/genesis.json</c>
/// (chain <c>cerebrum-devnet</c>, every validator with power 10 and a funded account, plus a funded
/// <c>DIR/faucet.key</c> account), and per validator K a data directory <c>DIR/vK</c> with its identity key and a
/// config.json: validator mode, listening on 127.0.0.1:(base port + K), the other validators as bootstrap peers,
/// the admin API on a free port (its URL is in <c>DIR/vK/admin.url</c>), and <c>Chain:Genesis</c> = ../genesis.json.
/// With base port 0 each validator listens on a free port and names no bootstrap peers (the caller starts v0 first and
/// points the others at the address it prints: scripts/devnet does). Accounts to fund (<c>--fund</c>: a peer ID, or a
/// data directory whose identity key names one) get the same starting balance in the genesis.
/// </summary>
public static class DevnetInitializer
{
    public const int DefaultBasePort = 4101;
    public const string ChainId = "cerebrum-devnet";
    public const ulong ValidatorPower = 10;

    /// <summary>Each validator's and the faucet's starting balance: 1,000,000 CER in micro-CER.</summary>
    public const ulong StartingBalance = 1_000_000_000_000;

    public const string FaucetKeyFileName = "faucet.key";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <exception cref="IOException">A validator directory already exists (nothing is overwritten).</exception>
    /// <exception cref="ArgumentOutOfRangeException">Bad count or ports.</exception>
    public static int Run(string outputDirectory, int count, int basePort, TextWriter stdout) => Run(outputDirectory, count, basePort, [], stdout);

    /// <param name="fund">Further accounts funded in the genesis: peer IDs, or data directories holding an identity key.</param>
    /// <exception cref="IOException">A validator directory already exists, or a data directory to fund has no identity key.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Bad count, ports or account to fund.</exception>
    public static int Run(string outputDirectory, int count, int basePort, IReadOnlyList<string> fund, TextWriter stdout)
    {
        // No parameter names in these messages: the CLI prints them as they are to the person who typed the flags.
        if (count is < 1 or > 100)
            throw new ArgumentOutOfRangeException(null, $"--devnet N must be 1 to 100 validators, not {count}");
        if (basePort != 0 && (basePort < 1 || basePort + count - 1 > 65535))
            throw new ArgumentOutOfRangeException(null, $"ports {basePort}..{basePort + count - 1} are not all TCP ports");
        var funded = fund.Select(FundedAccount).ToList();
        var root = Path.GetFullPath(outputDirectory);
        var directories = Enumerable.Range(0, count).Select(k => Path.Combine(root, "v" + k.ToString(CultureInfo.InvariantCulture))).ToList();
        foreach (var directory in directories.Where(Directory.Exists))
            throw new IOException($"{directory} already exists; refusing to overwrite a devnet (remove {root} or pick another --out)");
        var genesisPath = Path.Combine(root, "genesis.json");
        if (File.Exists(genesisPath))
            throw new IOException($"{genesisPath} already exists; refusing to overwrite a devnet (remove {root} or pick another --out)");
        CreateOwnerOnlyDirectory(root);

        var keys = new List<PrivateKey>();
        try
        {
            foreach (var directory in directories)
            {
                CreateOwnerOnlyDirectory(directory);
                keys.Add(KeyFile.Create(Path.Combine(directory, KeyFile.FileName)));
            }
            using var faucet = KeyFile.LoadOrCreate(Path.Combine(root, FaucetKeyFileName)).Key;
            var ports = keys.Select((_, k) => basePort == 0 ? 0 : basePort + k).ToList();
            var addresses = keys.Select((key, k) => $"/ip4/127.0.0.1/tcp/{ports[k]}/p2p/{key.PeerId}").ToList();
            var accounts = keys.Select(k => k.PeerId).Append(faucet.PeerId).ToList();
            foreach (var account in funded.Where(a => !accounts.Contains(a))) accounts.Add(account);

            var genesis = new GenesisDocument
            {
                ChainId = ChainId,
                GenesisTime = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
                Accounts = [.. accounts.Select(id => new GenesisAccount { PeerId = id.ToString(), Balance = StartingBalance })],
                Validators = [.. keys.Select(k => GenesisValidator.From(k.PublicKey, ValidatorPower))],
            };
            genesis.Validate();
            File.WriteAllText(genesisPath, genesis.ToJson() + Environment.NewLine);

            for (var k = 0; k < count; k++)
            {
                var config = JsonNode.Parse(DefaultConfigFile.Render())!.AsObject();
                config["Modes"] = new JsonArray("validator");
                var network = config["Network"]!.AsObject();
                network["ListenAddresses"] = new JsonArray($"/ip4/127.0.0.1/tcp/{ports[k]}");
                // On free ports nobody knows another's address in advance: the caller passes --bootstrap.
                network["BootstrapPeers"] = basePort == 0 ? new JsonArray() : new JsonArray([.. addresses.Where((_, i) => i != k).Select(a => (JsonNode)a)]);
                config["Admin"]!.AsObject()["Port"] = 0;
                config["Chain"]!.AsObject()["Genesis"] = Path.Combine("..", "genesis.json");
                // A devnet is small: recounting the supply after every block costs little and proves the invariant.
                config["Chain"]!.AsObject()["AuditSupply"] = true;
                File.WriteAllText(Path.Combine(directories[k], "config.json"), config.ToJsonString(Indented) + Environment.NewLine);
                stdout.WriteLine(basePort == 0
                    ? $"validator {k}: {directories[k]} peer id {keys[k].PeerId} listening on a free port of 127.0.0.1"
                    : $"validator {k}: {directories[k]} peer id {keys[k].PeerId} listening {addresses[k]}");
            }
            stdout.WriteLine($"genesis {genesisPath} (chain {ChainId}, {count} validators of power {ValidatorPower})");
            stdout.WriteLine($"faucet key {Path.Combine(root, FaucetKeyFileName)} (account {faucet.PeerId}, {StartingBalance} micro-CER)");
            foreach (var account in funded) stdout.WriteLine($"funded {account} ({StartingBalance} micro-CER)");
            stdout.WriteLine($"start each with: cerebrumd run --data-dir {Path.Combine(root, "vK")}");
            return 0;
        }
        finally
        {
            foreach (var key in keys) key.Dispose();
        }
    }

    /// <summary>A peer ID as it is, or the peer ID of the identity key in a data directory.</summary>
    private static PeerId FundedAccount(string text)
    {
        if (PeerId.TryParse(text, out var id, out _)) return id;
        var keyPath = Path.Combine(Path.GetFullPath(text), KeyFile.FileName);
        if (!File.Exists(keyPath))
            throw new ArgumentOutOfRangeException(null, $"--fund {text}: neither a peer ID nor a data directory with an identity key ({keyPath} is missing; cerebrumd init --data-dir {text} makes one)");
        using var key = KeyFile.Load(keyPath);
        return key.PeerId;
    }

    private static void CreateOwnerOnlyDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
