using System.Globalization;
using System.Text;
using Cerebrum.Bench.Chain;
using Cerebrum.Core.Crypto;

// Chain benchmark: N validator daemons (cerebrumd init --devnet N) on loopback under a load of pre-signed transfers
// submitted through their admin APIs. Throughput: --txs transfers as fast as --concurrency submitters go; finalized
// transfers per second = count / (first submission .. last finality), measured twice: on the freshly started daemons
// (whose first tens of seconds go largely to the tiered JIT recompiling their hot paths: a fifth to a third of their
// CPU in a profile) and, after --warmup-txs more transfers unmeasured, warmed up, as a long-running validator is. Latency: transfers offered at --latency-rate per second for --latency-seconds;
// submission-to-finality p50/p99. The same run with one validator is the peer the four are compared to.
var options = BenchOptions.Parse(args);
using var cancel = new CancellationTokenSource(options.Timeout * 4);
var senders = Enumerable.Range(0, options.Senders).Select(_ => PrivateKey.Generate(KeyType.Secp256k1)).ToList();
var rows = new List<(int Validators, Round Fresh, Round Warm, double P50, double P99, long Rejected)>();

foreach (var validators in options.ValidatorCounts)
{
    Console.Error.WriteLine($"{validators} validator(s): starting");
    await using var devnet = await Devnet.StartAsync(options, validators, senders, cancel.Token);
    await devnet.WaitForHeightAsync(2, TimeSpan.FromSeconds(90), cancel.Token);
    var load = new TransferLoad(senders, "cerebrum-devnet");
    var fresh = await ThroughputAsync(devnet, load, validators, "fresh", options.Transactions);
    if (options.WarmUpTransactions > 0) await ThroughputAsync(devnet, load, validators, "warm-up (not reported)", options.WarmUpTransactions);
    var warm = await ThroughputAsync(devnet, load, validators, "warmed up", options.Transactions);

    var latencySigned = load.Sign(Math.Max(1, options.LatencyRate * (int)options.LatencyDuration.TotalSeconds / senders.Count));
    var startHeight = await Devnet.HeightAsync(devnet.Admins[0], cancel.Token);
    Console.Error.WriteLine($"{validators} validator(s): latency phase, {options.LatencyRate} tx/s offered");
    var offered = load.SubmitAtRateAsync(latencySigned, devnet.Admins, options.LatencyRate, cancel.Token);
    await load.WatchAsync(devnet.Admins[0], startHeight, () => offered.IsCompleted && load.FinalizedCount >= load.SubmittedCount, options.Timeout, cancel.Token);
    await offered;
    var latencies = load.Latencies();
    rows.Add((validators, fresh, warm, Percentiles.Of(latencies, 50), Percentiles.Of(latencies, 99), fresh.Rejected + warm.Rejected + load.Rejected));
    Console.Error.WriteLine($"{validators} validator(s): finality p50 {Percentiles.Of(latencies, 50):0} ms, p99 {Percentiles.Of(latencies, 99):0} ms");
    load.Reset();
}

var text = new StringBuilder();
text.AppendLine(CultureInfo.InvariantCulture, $"{options.Transactions} pre-signed transfers from {options.Senders} accounts per throughput round, submitted over the validators' admin APIs (`POST /chain/txs`) by {options.Concurrency} submitters; each sender's transfers go in nonce order to one validator. Two measured rounds: on the freshly started daemons, then warmed up (after {options.WarmUpTransactions} more transfers, unmeasured). Finality = the first poll (every 5 ms) of validator 0 that shows the block holding the transfer. Validators' CPU = user + system time of all validator processes during the round / finalized transfers. Latency (after the rounds) at an offered {options.LatencyRate} transfers/s for {options.LatencyDuration.TotalSeconds:0} s. Commit delay: {(options.CommitDelay is { } d ? $"{d.TotalMilliseconds:0} ms (set by the benchmark)" : "the default")}.");
text.AppendLine();
text.AppendLine("| validators | finalized transfers/s, fresh | validators' CPU ms per transfer, fresh | finalized transfers/s, warmed up | validators' CPU ms per transfer, warmed up | blocks (warmed up) | finality p50 ms | finality p99 ms | rejected | mempool-full retries |");
text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var row in rows)
    text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Validators} | {row.Fresh.Tps:0} | {row.Fresh.CpuPerTx:0.000} | {row.Warm.Tps:0} | {row.Warm.CpuPerTx:0.000} | {row.Warm.Blocks} | {row.P50:0} | {row.P99:0} | {row.Rejected} | {row.Fresh.Retries + row.Warm.Retries} |");
if (rows.Count == 2)
{
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"Ratio {rows[1].Validators} validators / {rows[0].Validators}: throughput {rows[1].Fresh.Tps / rows[0].Fresh.Tps:0.00}x fresh, {rows[1].Warm.Tps / rows[0].Warm.Tps:0.00}x warmed up; finality p50 {rows[1].P50 / rows[0].P50:0.00}x.");
}
Console.Write(text);
foreach (var sender in senders) sender.Dispose();

async Task<Round> ThroughputAsync(Devnet devnet, TransferLoad load, int validators, string label, int transfers)
{
    var signed = load.Sign((transfers + senders.Count - 1) / senders.Count);
    var startHeight = await Devnet.HeightAsync(devnet.Admins[0], cancel.Token);
    Console.Error.WriteLine($"{validators} validator(s): throughput, {label}: {signed.Sum(q => q.Count)} transfers");
    var cpuBefore = devnet.ValidatorCpuTime();
    var submit = load.SubmitAllAsync(signed, devnet.Admins, options.Concurrency, cancel.Token);
    var endHeight = await load.WatchAsync(devnet.Admins[0], startHeight,
        () => submit.IsCompleted && load.FinalizedCount >= load.SubmittedCount, options.Timeout, cancel.Token);
    await submit;
    // CPU the validators used per finalized transfer: the figure least disturbed by other load on a shared machine.
    var round = new Round(load.FinalizedCount / load.Span().TotalSeconds,
        (devnet.ValidatorCpuTime() - cpuBefore).TotalMilliseconds / Math.Max(1, load.FinalizedCount), endHeight - startHeight, load.Rejected, load.Retries);
    Console.Error.WriteLine($"{validators} validator(s), {label}: {load.FinalizedCount} finalized in {load.Span().TotalSeconds:0.00} s over {round.Blocks} blocks ({round.Tps:0} tx/s, validators' CPU {round.CpuPerTx:0.000} ms per transfer), {round.Rejected} rejected, {round.Retries} mempool-full retries");
    load.Reset();
    return round;
}

internal sealed record Round(double Tps, double CpuPerTx, ulong Blocks, long Rejected, long Retries);
