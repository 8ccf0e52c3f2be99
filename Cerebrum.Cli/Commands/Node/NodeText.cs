using System.Globalization;
using System.Text;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Commands.Node;

/// <summary>How <c>node show</c> and <c>node list</c> print a node: one "label value" line per field.</summary>
public static class NodeText
{
    public static string Show(ChainNodeResponse node)
    {
        var text = new StringBuilder();
        Line(text, "node", node.PeerId);
        Line(text, "state", node.State + (node.JailedUntil is { } until ? $" (until {until.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC, then a fresh check)" : ""));
        Line(text, "stake", Number(node.Stake));
        Line(text, "reputation", $"{Ppm(node.ReputationPpm)} ({Number(node.ReputationPpm)} ppm)");
        Line(text, "hardware", $"{node.Hardware}{(node.Gpu ? " (GPU)" : "")}, claims {Number(node.ClaimedMflops)} MFLOPS");
        Line(text, "region", node.Region);
        Line(text, "throughput", node.AttestedMflops == 0
            ? "not attested yet"
            : $"{Number(node.AttestedMflops)} MFLOPS, {Number(node.ThroughputPermille)} ‰ of its claim, {Number(node.ClassPermille)} ‰ of its class");
        Line(text, "latency", node.LatencyMicros == 0 ? "not measured yet" : $"{Milliseconds(node.LatencyMicros)} median of {node.Latencies.Count} validator(s)");
        foreach (var latency in node.Latencies)
            text.Append(CultureInfo.InvariantCulture, $"  {latency.Validator} {Milliseconds(latency.RttMicros)} {latency.Verdict} at height {latency.Height}\n");
        Line(text, "canaries", $"{Number(node.CanaryPassed)} passed, {Number(node.CanaryFailed)} failed");
        Line(text, "availability", node.AvailabilityPpm == 0 && node.Latencies.Count == 0 ? "not measured yet" : Ppm(node.AvailabilityPpm));
        Line(text, "last-attestation-height", Number(node.LastAttestationHeight));
        Line(text, "registered-height", Number(node.RegisteredHeight));
        Line(text, "activated-height", Number(node.ActivatedHeight));
        Line(text, "jail-count", Number(node.JailCount));
        Line(text, "slashed", Number(node.Slashed));
        Line(text, "models", node.Models.Count == 0 ? "none" : string.Join(", ", node.Models));
        Line(text, "checks", node.Checks.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var check in node.Checks)
            text.Append(CultureInfo.InvariantCulture, $"  {check.Kind} {check.Verdict} by {check.Validator} at height {check.Height}: {check.Detail}\n");
        return text.ToString().TrimEnd('\n');
    }

    public static string[] Header { get; } = ["PEER ID", "STATE", "STAKE", "REPUTATION", "THROUGHPUT", "LATENCY", "LAST ATTESTATION"];

    public static string[] Row(ChainNodeSummary node) =>
    [
        node.PeerId,
        node.State,
        Number(node.Stake),
        Ppm(node.ReputationPpm),
        node.AttestedMflops == 0 ? "-" : $"{Number(node.AttestedMflops)} MFLOPS ({Number(node.ThroughputPermille)} ‰)",
        node.LatencyMicros == 0 ? "-" : Milliseconds(node.LatencyMicros),
        Number(node.LastAttestationHeight),
    ];

    private static void Line(StringBuilder text, string label, string value) => text.Append(label).Append(' ').Append(value).Append('\n');

    private static string Number(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Ppm(uint ppm) => (ppm / 10_000.0).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string Milliseconds(uint micros) => (micros / 1000.0).ToString("0.00", CultureInfo.InvariantCulture) + " ms";
}
