using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Network;
using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Network.Protocols.Perf;

namespace Cerebrum.Bench.Transport;

/// <summary>
/// Transport benchmark peer. `serve` runs a host with the perf protocol until stdin closes; `client` measures
/// one-stream and 16-stream throughput with /perf/1.0.0 and connection set-up time against any libp2p peer; `ceiling`
/// measures the machine's cipher and plain-TCP limits (<see cref="MachineCeiling"/>).
/// Output: one JSON object per line on stdout.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            await Console.Error.WriteLineAsync("usage: transport-bench serve [--host 127.0.0.1]\n       transport-bench client --addr MULTIADDR [--bytes N] [--runs R] [--setups S] [--warmup W]\n       transport-bench ceiling");
            return 2;
        }
        var options = ParseOptions(args.AsSpan(1));
        return args[0] switch
        {
            "serve" => await ServeAsync(options),
            "client" => await ClientAsync(options),
            "ceiling" => Ceiling(),
            _ => Fail($"unknown mode '{args[0]}'"),
        };
    }

    private static async Task<int> ServeAsync(Dictionary<string, string> options)
    {
        var ip = options.GetValueOrDefault("host", "127.0.0.1");
        var family = ip.Contains(':', StringComparison.Ordinal) ? "ip6" : "ip4";
        await using var host = new PeerHost(new PeerHostOptions
        {
            Identity = PrivateKey.Generate(KeyType.Ed25519),
            ListenAddresses = [Multiaddress.Parse($"/{family}/{ip}/tcp/0")],
            MaxConnections = 4096,
            MaxPendingInbound = 1024,
            // Perf is served only where it is asked for; this host exists to be measured.
            Perf = new PerfOptions { Enabled = true },
            PingInterval = TimeSpan.Zero,
            DialBackoffBase = TimeSpan.Zero,
            DialBackoffMax = TimeSpan.Zero,
        });
        await host.StartAsync();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            @event = "listening",
            peerId = host.PeerId.ToString(),
            addrs = host.ListenAddresses.Select(a => a.WithPeerId(host.PeerId).ToString()).ToArray(),
        }));
        // Runs until the parent closes our stdin.
        await Console.In.ReadToEndAsync();
        return 0;
    }

    private static async Task<int> ClientAsync(Dictionary<string, string> options)
    {
        if (!options.TryGetValue("addr", out var addr)) return Fail("--addr is required");
        var bytes = long.Parse(options.GetValueOrDefault("bytes", "268435456"), CultureInfo.InvariantCulture);
        var runs = int.Parse(options.GetValueOrDefault("runs", "5"), CultureInfo.InvariantCulture);
        var setups = int.Parse(options.GetValueOrDefault("setups", "200"), CultureInfo.InvariantCulture);
        var address = Multiaddress.Parse(addr);

        await using var host = new PeerHost(new PeerHostOptions
        {
            Identity = PrivateKey.Generate(KeyType.Ed25519),
            PingInterval = TimeSpan.Zero,
            DialBackoffBase = TimeSpan.Zero,
            DialBackoffMax = TimeSpan.Zero,
        });
        await host.StartAsync();

        // Warm-up rounds at full size: .NET's tiered JIT needs a few hundred MB of traffic before the hot paths run
        // fully optimized (the first runs measured about half the steady-state rate). Measured runs are steady state.
        var warmups = int.Parse(options.GetValueOrDefault("warmup", "3"), CultureInfo.InvariantCulture);
        var warm = await host.DialAsync(address);
        for (var i = 0; i < warmups; i++)
        {
            await host.PerfAsync(warm, bytes, 0);
            await host.PerfAsync(warm, bytes, 0, streams: 16);
        }

        var single = new List<double>();
        var parallel = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var connection = await host.DialAsync(address);
            var one = await host.PerfAsync(connection, bytes, 0);
            single.Add(bytes / 1e6 / one.Total.TotalSeconds);
            var sixteen = await host.PerfAsync(connection, bytes, 0, streams: 16);
            parallel.Add(bytes / 1e6 / sixteen.Total.TotalSeconds);
            await Console.Error.WriteLineAsync($"run {i + 1}/{runs}: 1 stream {single[^1]:0} MB/s, 16 streams {parallel[^1]:0} MB/s");
        }
        await host.DisconnectAsync(warm.RemotePeer);

        var setup = new List<double>();
        for (var i = 0; i < setups; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var connection = await host.DialAsync(address);
            setup.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            await connection.DisposeAsync();
        }

        Console.WriteLine(JsonSerializer.Serialize(new
        {
            singleStreamMBps = Median(single),
            parallel16MBps = Median(parallel),
            setupP50ms = Percentile(setup, 0.5),
            setupP90ms = Percentile(setup, 0.9),
            // Raw samples, so that scripts/bench/transport computes every side's figures with one method.
            singleStreamSamplesMBps = single.Select(x => Math.Round(x, 3)),
            parallelSamplesMBps = parallel.Select(x => Math.Round(x, 3)),
            setupSamplesMs = setup.Select(x => Math.Round(x, 4)),
            runs,
            bytes,
            setups,
        }));
        return 0;
    }

    private static int Ceiling()
    {
        Console.WriteLine(JsonSerializer.Serialize(MachineCeiling.Measure()));
        return 0;
    }

    private static double Median(List<double> values) => Percentile(values, 0.5);

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0) return 0;
        var sorted = values.Order().ToArray();
        var rank = p * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return Math.Round(sorted[low] + (sorted[high] - sorted[low]) * (rank - low), 3);
    }

    private static Dictionary<string, string> ParseOptions(ReadOnlySpan<string> args)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"expected an option, got '{args[i]}'");
            result[args[i][2..]] = args[i + 1];
        }
        return result;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("error: " + message);
        return 2;
    }
}
