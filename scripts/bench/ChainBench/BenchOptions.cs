using System.Globalization;

namespace Cerebrum.Bench.Chain;

/// <summary>Command-line settings of the chain benchmark.</summary>
public sealed record BenchOptions
{
    public required string Cerebrumd { get; init; }
    public IReadOnlyList<int> ValidatorCounts { get; init; } = [1, 4];
    public int Transactions { get; init; } = 20_000;

    /// <summary>Unmeasured transfers between the fresh and the warmed-up round (the validators' JIT settles in the first tens of thousands).</summary>
    public int WarmUpTransactions { get; init; } = 40_000;
    public int Senders { get; init; } = 256;
    public int Concurrency { get; init; } = 32;
    public int LatencyRate { get; init; } = 500;
    public TimeSpan LatencyDuration { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan? CommitDelay { get; init; }
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Called with each validator's index and data directory before it starts (e.g. to add models or settings).</summary>
    public Action<int, string>? PrepareValidator { get; init; }

    /// <summary>Keep the validators' data directories and daemon.log files (their path goes to stderr).</summary>
    public bool Keep { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        string? cerebrumd = null;
        var options = new BenchOptions { Cerebrumd = "" };
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--cerebrumd" => options with { Cerebrumd = cerebrumd = Next() },
                "--validators" => options with { ValidatorCounts = [.. Next().Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))] },
                "--txs" => options with { Transactions = Int() },
                "--warmup-txs" => options with { WarmUpTransactions = Int() },
                "--senders" => options with { Senders = Int() },
                "--concurrency" => options with { Concurrency = Int() },
                "--latency-rate" => options with { LatencyRate = Int() },
                "--latency-seconds" => options with { LatencyDuration = TimeSpan.FromSeconds(Int()) },
                "--commit-delay-ms" => options with { CommitDelay = TimeSpan.FromMilliseconds(Int()) },
                "--keep" => options with { Keep = true },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (cerebrumd is null)
            throw new ArgumentException("--cerebrumd PATH (cerebrumd.dll) is required");
        return options;
    }
}
