using System.Globalization;
using System.Text;
using Cerebrum.Bench.Chain;
using Cerebrum.Core.Crypto;

// Chain benchmark: N validator daemons (cerebrumd init --devnet N) on loopback under a load of pre-signed transfers
// submitted through their admin APIs. Phase 1 (throughput): --txs transfers as fast as --concurrency submitters go;
// finalized transfers per second = count / (first submission .. last finality). Phase 2 (latency): transfers
// offered at --latency-rate per second for --latency-seconds; submission-to-finality p50/p99. The same run with one
// validator is the peer the four are compared to.
var options = BenchOptions.Parse(args);
using var cancel = new CancellationTokenSource(options.Timeout * 4);
var senders = Enumerable.Range(0, options.Senders).Select(_ => PrivateKey.Generate(KeyType.Secp256k1)).ToList();
var rows = new List<(int Validators, double Tps, double CpuPerTx, double P50, double P99, double LatencyRate, double Blocks, long Rejected, long Retries)>();

foreach (var validators in options.ValidatorCounts)
{
    Console.Error.WriteLine($"{validators} validator(s): starting");
    await using var devnet = await Devnet.StartAsync(options, validators, senders, cancel.Token);
    await devnet.WaitForHeightAsync(2, TimeSpan.FromSeconds(90), cancel.Token);
    var load = new TransferLoad(senders, "cerebrum-devnet");

    if (options.WarmupTransactions > 0)
    {
        // A fresh daemon spends its first tens of seconds compiling its hot paths again with full optimization (tiered
        // JIT): optionally let that happen before measuring, as the other benchmarks warm up.
        var warmup = load.Sign((options.WarmupTransactions + senders.Count - 1) / senders.Count);
        Console.Error.WriteLine($"{validators} validator(s): warm-up, {warmup.Sum(q => q.Count)} transfers");
        var warmupStart = await Devnet.HeightAsync(devnet.Admins[0], cancel.Token);
        var warmupSubmit = load.SubmitAllAsync(warmup, devnet.Admins, options.Concurrency, cancel.Token);
        await load.WatchAsync(devnet.Admins[0], warmupStart, () => warmupSubmit.IsCompleted && load.FinalizedCount >= load.SubmittedCount, options.Timeout, cancel.Token);
        await warmupSubmit;
        load.Reset();
    }
    var perSender = (options.Transactions + senders.Count - 1) / senders.Count;
    var signed = load.Sign(perSender);
    var total = signed.Sum(q => q.Count);
    var startHeight = await Devnet.HeightAsync(devnet.Admins[0], cancel.Token);
    Console.Error.WriteLine($"{validators} validator(s): throughput phase, {total} transfers");
    var cpuBefore = devnet.ValidatorCpuTime();
    var submit = load.SubmitAllAsync(signed, devnet.Admins, options.Concurrency, cancel.Token);
    var endHeight = await load.WatchAsync(devnet.Admins[0], startHeight,
        () => submit.IsCompleted && load.FinalizedCount >= load.SubmittedCount, options.Timeout, cancel.Token);
    await submit;
    // CPU the validators used per finalized transfer: the figure least disturbed by other load on a shared machine.
    var cpuPerTx = (devnet.ValidatorCpuTime() - cpuBefore).TotalMilliseconds / Math.Max(1, load.FinalizedCount);
    var tps = load.FinalizedCount / load.Span().TotalSeconds;
    var blocks = endHeight - startHeight;
    var rejected = load.Rejected;
    var retries = load.Retries;
    Console.Error.WriteLine($"{validators} validator(s): {load.FinalizedCount} finalized in {load.Span().TotalSeconds:0.00} s over {blocks} blocks ({tps:0} tx/s, validators' CPU {cpuPerTx:0.000} ms per transfer), {rejected} rejected, {retries} mempool-full retries");

    load.Reset();
    var latencySigned = load.Sign(Math.Max(1, options.LatencyRate * (int)options.LatencyDuration.TotalSeconds / senders.Count));
    startHeight = await Devnet.HeightAsync(devnet.Admins[0], cancel.Token);
    Console.Error.WriteLine($"{validators} validator(s): latency phase, {options.LatencyRate} tx/s offered");
    var offered = load.SubmitAtRateAsync(latencySigned, devnet.Admins, options.LatencyRate, cancel.Token);
    await load.WatchAsync(devnet.Admins[0], startHeight, () => offered.IsCompleted && load.FinalizedCount >= load.SubmittedCount, options.Timeout, cancel.Token);
    await offered;
    var latencies = load.Latencies();
    rows.Add((validators, tps, cpuPerTx, Percentiles.Of(latencies, 50), Percentiles.Of(latencies, 99), options.LatencyRate, blocks, rejected + load.Rejected, retries));
    Console.Error.WriteLine($"{validators} validator(s): finality p50 {Percentiles.Of(latencies, 50):0} ms, p99 {Percentiles.Of(latencies, 99):0} ms");
}

var text = new StringBuilder();
text.AppendLine(CultureInfo.InvariantCulture, $"{options.Transactions} pre-signed transfers from {options.Senders} accounts, submitted over the validators' admin APIs (`POST /chain/txs`) by {options.Concurrency} submitters; each sender's transfers go in nonce order to one validator. Finality = the first poll (every 5 ms) of validator 0 that shows the block holding the transfer. Latency at an offered {options.LatencyRate} transfers/s for {options.LatencyDuration.TotalSeconds:0} s. Commit delay: {(options.CommitDelay is { } d ? $"{d.TotalMilliseconds:0} ms (set by the benchmark)" : "the default")}. Warm-up: {(options.WarmupTransactions > 0 ? $"{options.WarmupTransactions} transfers finalized before measuring" : "none (fresh daemons)")}. Validators' CPU = user + system time of all validator processes during the throughput phase / finalized transfers.");
text.AppendLine();
text.AppendLine("| validators | finalized transfers/s | validators' CPU ms per transfer | blocks | finality p50 ms | finality p99 ms | rejected | mempool-full retries |");
text.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var row in rows)
    text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Validators} | {row.Tps:0} | {row.CpuPerTx:0.000} | {row.Blocks} | {row.P50:0} | {row.P99:0} | {row.Rejected} | {row.Retries} |");
if (rows.Count == 2)
{
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"Ratio {rows[1].Validators} validators / {rows[0].Validators}: throughput {rows[1].Tps / rows[0].Tps:0.00}x, finality p50 {rows[1].P50 / rows[0].P50:0.00}x.");
}
Console.Write(text);
foreach (var sender in senders) sender.Dispose();
