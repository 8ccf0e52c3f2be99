using System.CommandLine;
using Cerebrum.Core.Crypto;
using Cerebrum.Daemon.Configuration;
using Cerebrum.Daemon.ServiceManager;

namespace Cerebrum.Daemon.CommandLine;

/// <summary><c>cerebrumd run</c>: runs the daemon until SIGINT/SIGTERM (or cancellation), then stops gracefully and exits 0.</summary>
public static class RunCommand
{
    public const int ExitConfigurationError = 2;

    public static Command Create()
    {
        var dataDirectoryOption = DataDirectoryOption.Create();
        var listenOption = new Option<string[]>("--listen", "-l")
        {
            Description = "A multiaddress to listen on, e.g. /ip4/127.0.0.1/tcp/4001 (port 0 picks a free port). Repeat for several; replaces Network:ListenAddresses from config.json.",
            HelpName = "MULTIADDR",
        };
        var announceOption = new Option<string[]>("--announce")
        {
            Description = "An address to tell peers instead of the listen addresses, e.g. /ip4/203.0.113.7/tcp/4001 or /dns4/node.example/tcp/4001 (behind a NAT, or a container's published port). Repeat for several; replaces Network:AnnounceAddresses from config.json.",
            HelpName = "MULTIADDR",
        };
        var bootstrapOption = new Option<string[]>("--bootstrap", "-b")
        {
            Description = "A seed peer to dial at start, /ip4/…/tcp/…/p2p/<peer-id> or /dnsaddr/<domain> (its _dnsaddr TXT records name the seeds); re-dialled with backoff until it answers. Repeat for several; replaces Network:BootstrapPeers from config.json.",
            HelpName = "MULTIADDR",
        };
        var adminPortOption = new Option<int?>("--admin-port")
        {
            Description = "TCP port of the admin HTTP API on 127.0.0.1 (0 picks a free port); replaces Admin:Port from config.json. The bound URL is written to DIR/admin.url.",
            HelpName = "PORT",
        };
        var modeOption = new Option<string[]>("--mode", "-m")
        {
            Description = $"Roles to run besides being a network peer, comma-separated or repeated: {string.Join(", ", DaemonModes.Available)}. 'node' serves the models of DIR's store over /cerebrum/infer/1.0.0; 'validator' takes part in consensus (needs a genesis file); 'gateway' serves apps over HTTP (--http) and routes their requests to nodes; 'seed' is a network entry point (relays for nodes behind NAT, serves the DHT and AutoNAT, many connections). Replaces Modes from config.json; default: none (a plain network daemon).",
            HelpName = "MODE",
        };
        var gpuOption = new Option<bool>("--gpu")
        {
            Description = "Node mode: run models on CUDA (sets Node:Gpu). Where CUDA is not usable the node logs why and runs on CPU.",
        };
        var httpOption = new Option<string?>("--http")
        {
            Description = "Gateway mode: where the app-facing HTTP API listens, IP:PORT (port 0 picks a free port); replaces Gateway:Http (default 127.0.0.1:8080). The bound URL is printed as 'gateway http://IP:PORT'.",
            HelpName = "IP:PORT",
        };
        var openOption = new Option<bool>("--open")
        {
            Description = "Gateway mode: serve without API keys, for local development only (sets Gateway:Open).",
        };
        var networkOption = new Option<string?>("--network")
        {
            Description = $"A named network: {string.Join("; ", Configuration.NetworkPreset.All.Select(p => $"'{p.Name}' ({p.Description})"))}. Its seeds are dialled when no --bootstrap or Network:BootstrapPeers is given, and the genesis must be of its chain. Replaces Network:Preset.",
        };
        var genesisOption = new Option<string?>("--genesis")
        {
            Description = "The network's genesis file (replaces Chain:Genesis; default DIR/genesis.json if it exists). Without one the daemon keeps no ledger; validator mode needs one.",
            HelpName = "FILE",
        };
        var command = new Command("run", "Run the daemon: load DIR/identity.key and DIR/config.json (overridden by CEREBRUM__* environment variables, then by these options), listen for peers, dial the bootstrap peers and serve the admin API on 127.0.0.1. Prints one 'listening <multiaddr>/p2p/<peer-id>' line per bound address to stdout once ready; logs go to stderr. Stops gracefully on SIGINT/SIGTERM.")
        {
            dataDirectoryOption,
            listenOption,
            announceOption,
            bootstrapOption,
            adminPortOption,
            modeOption,
            gpuOption,
            httpOption,
            openOption,
            genesisOption,
            networkOption,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            DataDirectory.Resolve(parseResult.GetValue(dataDirectoryOption)),
            new CommandLineOverrides
            {
                ListenAddresses = parseResult.GetValue(listenOption) ?? [],
                AnnounceAddresses = parseResult.GetValue(announceOption) ?? [],
                BootstrapPeers = parseResult.GetValue(bootstrapOption) ?? [],
                AdminPort = parseResult.GetValue(adminPortOption),
                Modes = parseResult.GetValue(modeOption) ?? [],
                Gpu = parseResult.GetValue(gpuOption),
                GatewayHttp = parseResult.GetValue(httpOption),
                GatewayOpen = parseResult.GetValue(openOption),
                NetworkPreset = parseResult.GetValue(networkOption),
                Genesis = parseResult.GetValue(genesisOption) is { } genesis ? Path.GetFullPath(genesis) : null,
            },
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    public static async Task<int> RunAsync(DataDirectory dataDirectory, CommandLineOverrides overrides, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (!File.Exists(dataDirectory.KeyPath))
        {
            await stderr.WriteLineAsync($"error: no identity key in {dataDirectory.Root}; run 'cerebrumd init --data-dir {dataDirectory.Root}' first");
            return 1;
        }
        DaemonOptions options;
        Microsoft.Extensions.Configuration.IConfigurationRoot configuration;
        try
        {
            configuration = DataDirectoryConfiguration.Build(dataDirectory);
            options = DaemonConfiguration.Load(configuration, overrides);
            _ = options.ResolveGenesisPath(dataDirectory);
        }
        catch (InvalidConfigurationException e)
        {
            await stderr.WriteLineAsync("error: invalid configuration:");
            foreach (var error in e.Errors)
                await stderr.WriteLineAsync($"  {error}");
            return ExitConfigurationError;
        }

        PrivateKey identity;
        try
        {
            identity = KeyFile.Load(dataDirectory.KeyPath);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return 1;
        }

        using (identity)
        {
            await using var daemon = DaemonApplication.Create(dataDirectory, identity, options, configuration, stdout, SystemdEnvironment.FromProcess());
            try
            {
                await daemon.StartAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                // Typically a port in use or a data directory held by another daemon.
                await stderr.WriteLineAsync($"error: cannot start: {e.Message}");
                return 1;
            }
            await daemon.WaitForShutdownAsync(cancellationToken);
            await daemon.StopAsync();
        }
        return 0;
    }
}
