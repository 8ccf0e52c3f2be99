using System.Globalization;
using System.Text;
using Cerebrum.Bench.Chain;
using Cerebrum.Bench.Verification;

// Verification benchmark (issue 15), three parts in one run:
//  1. a node's capacity with the validators' checks running against without (alternating windows, same run);
//  2. canaries over many seeds: how many jobs it takes to catch a node wrong on a share of its jobs, against the
//     geometric distribution the canary rate predicts, and how many honest (GPU-like rounding) canaries are flagged;
//  3. time from RegisterNode to Active on a devnet of validator processes;
//  4. canaries over the real path: a validator process sending paid canaries to node processes for a fixed time.
string? cerebrumd = null;
int seeds = 100, honestJobs = 2_000, windows = 6, validators = 4, nodes = 3;
double canaryRate = 0.02, wrongRate = 0.1, share = 0.02, windowSeconds = 30;
var skipCapacity = false;
var skipOnboarding = false;
var skipRealCanaries = false;
int canaryNodes = 2;
double canaryIntervalSeconds = 2, canarySeconds = 60;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--cerebrumd": cerebrumd = Next(); break;
        case "--seeds": seeds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--honest-jobs": honestJobs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--canary-rate": canaryRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--wrong-rate": wrongRate = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--windows": windows = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--window-seconds": windowSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--validators": validators = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--nodes": nodes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--skip-capacity": skipCapacity = true; break;
        case "--skip-onboarding": skipOnboarding = true; break;
        case "--skip-real-canaries": skipRealCanaries = true; break;
        case "--canary-nodes": canaryNodes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--canary-interval-seconds": canaryIntervalSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--canary-seconds": canarySeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"unknown option {args[i]}");
    }
}
if ((!skipOnboarding || !skipRealCanaries) && cerebrumd is null)
    throw new ArgumentException("--cerebrumd PATH (cerebrumd.dll) is required unless --skip-onboarding and --skip-real-canaries");

var text = new StringBuilder();
if (!skipCapacity)
{
    Console.Error.WriteLine("capacity: measuring this machine's throughput, then alternating windows");
    var capacity = CapacityBench.Run(windows, TimeSpan.FromSeconds(windowSeconds), share);
    var ratio = capacity.JobsPerSecondWith / capacity.JobsPerSecondWithout;
    text.AppendLine(CultureInfo.InvariantCulture, $"### Capacity with checks against without");
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"A closed loop of inference jobs ({Environment.ProcessorCount} workers, one MatMul-chain model) in {windows} windows of {windowSeconds:0} s without checks alternating (A B B A) with {windows} with hardware challenges arriving at random (Poisson) at the rate that keeps them to {share:P0} of the node's time at its claim ({capacity.ClaimMflops} MFLOPS, measured here; shape {capacity.Shape.Rows}x{capacity.Shape.Width}, depth {capacity.Shape.Depth}; median challenge {capacity.ChallengeMedian.TotalMilliseconds:0} ms, {capacity.Challenges} in all).");
    text.AppendLine();
    text.AppendLine("| without checks (jobs/s, median window) | with checks | ratio | goal |");
    text.AppendLine("| --- | --- | --- | --- |");
    text.AppendLine(CultureInfo.InvariantCulture, $"| {capacity.JobsPerSecondWithout:0.0} | {capacity.JobsPerSecondWith:0.0} | {ratio:P1} | at least 98 % |");
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"Windows in the order run (jobs/s): without {string.Join(", ", capacity.WindowsWithout.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}; with {string.Join(", ", capacity.WindowsWith.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}.");
    text.AppendLine();
}

Console.Error.WriteLine($"canaries: {seeds} seeds");
var simulation = CanarySimulation.Run(seeds, canaryRate, wrongRate, honestJobs, maxJobs: 100_000);
var caught = simulation.JobsToCatch;
text.AppendLine("### Canaries over many seeds");
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"{seeds} seeds; a job is one row through a MatMul chain (width 128, depth 8); {canaryRate:P0} of jobs are canaries; the dishonest node answers {wrongRate:P0} of its jobs with one layer skipped, honest answers carry GPU-like rounding (TF32 operands, blocked sums). Tolerance calibrated on 64 honest runs: relative L2 ≤ {simulation.Tolerance.MaxRelativeL2:G3}, cosine ≥ {simulation.Tolerance.MinCosine:G9}.");
text.AppendLine();
text.AppendLine("| jobs until caught | p50 | p90 | max | mean | uncaught |");
text.AppendLine("| --- | --- | --- | --- | --- | --- |");
text.AppendLine(CultureInfo.InvariantCulture, $"| measured | {Percentiles.Of(caught, 50):0} | {Percentiles.Of(caught, 90):0} | {(caught.Length > 0 ? caught[^1] : double.NaN):0} | {(caught.Length > 0 ? caught.Average() : double.NaN):0} | {simulation.Uncaught} |");
text.AppendLine(CultureInfo.InvariantCulture, $"| predicted (geometric, p = {canaryRate * wrongRate:G3}) | {simulation.PredictedP50:0} | {simulation.PredictedP90:0} | | {simulation.PredictedMean:0} | |");
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"Honest node: {simulation.HonestCanaries} canaries over {seeds} seeds x {honestJobs} jobs, {simulation.HonestFlags} flagged (goal: none).");
text.AppendLine();

if (!skipOnboarding)
{
    Console.Error.WriteLine($"onboarding: {validators} validators, {nodes} nodes");
    using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(15));
    var times = await OnboardingBench.RunAsync(cerebrumd!, validators, nodes, cancel.Token);
    text.AppendLine(CultureInfo.InvariantCulture, $"### RegisterNode to Active ({validators} validators)");
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"{nodes} node processes register at once (each claiming half this machine's measured throughput, as they share it with the validators) on a devnet of {validators} validator processes with the default verification settings (checks at onboarding, a tick of 1 s, attestations recorded every 2 s, blocks about every 0.5 s); from submitting RegisterNode to validator 0 showing the node Active (polled every 50 ms).");
    text.AppendLine();
    text.AppendLine("| nodes | min (s) | median (s) | max (s) |");
    text.AppendLine("| --- | --- | --- | --- |");
    text.AppendLine(CultureInfo.InvariantCulture, $"| {nodes} | {times[0]:0.0} | {times[times.Length / 2]:0.0} | {times[^1]:0.0} |");
}
if (!skipRealCanaries)
{
    Console.Error.WriteLine($"real-path canaries: {canaryNodes} nodes, one every {canaryIntervalSeconds} s per node, {canarySeconds} s");
    using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(15));
    var real = await RealPathCanaryBench.RunAsync(cerebrumd!, canaryNodes, TimeSpan.FromSeconds(canaryIntervalSeconds), TimeSpan.FromSeconds(canarySeconds), cancel.Token);
    text.AppendLine();
    text.AppendLine("### Canaries over the real path");
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"One validator process holding a MatMul-chain model (4x64, depth 4) sends canaries (Verification:CanaryInterval {canaryIntervalSeconds:0.#} s per node, exponential) to {real.Nodes} honest node processes serving it at 5 micro-CER a job: each a paid job on /cerebrum/infer/1.0.0 from a throwaway identity (its own key, account and payment channel), judged against the validator's own run within the TF32-calibrated tolerance. The run lasts {canarySeconds:0} s from all nodes Active ({real.SecondsToActive:0.0} s after RegisterNode); canaries start at registration, so the expectation covers the whole time since; the counts are the ledger's (the validator's recorded canary counts), read 5 s after the end.");
    text.AppendLine();
    text.AppendLine("| nodes | canaries expected | canaries recorded | failed (goal: none) |");
    text.AppendLine("| --- | --- | --- | --- |");
    text.AppendLine(CultureInfo.InvariantCulture, $"| {real.Nodes} | {real.Expected:0} | {real.Passed + real.Failed} | {real.Failed} |");
}
Console.WriteLine(text.ToString().TrimEnd());
