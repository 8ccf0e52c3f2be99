using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Nodes;

/// <summary>
/// Turns the validators' fresh attestations about a node into ledger state, integers only: figures as stake-weighted
/// medians (<see cref="StakeWeighted"/>), a verdict per check kind when validators with more than 2/3 of the voting power
/// agree, and from those the lifecycle: Registered → Active on a passing hardware quorum (and no failing quorum of any
/// kind); Active → Jailed on a failing quorum of any kind; Jailed → Active once its jail time has passed and a passing
/// hardware quorum of attestations made after the jailing exists. Also updates the hardware class and the reputation.
/// </summary>
public static class NodeEvaluation
{
    public enum Quorum
    {
        None,
        Pass,
        Fail,
    }

    /// <summary>
    /// Re-evaluates <paramref name="id"/> after new attestations about it were recorded in this block; a failing latency
    /// quorum (the node is not live) also faults its running lease (<see cref="LeaseFaults"/>).
    /// </summary>
    public static void Evaluate(TransactionContext context, PeerId id)
    {
        var state = context.State;
        var block = context.Block;
        var node = state.GetNode(id)!;
        var validators = block.Validators!;
        var notBefore = node.Lifecycle == NodeLifecycle.Jailed ? node.JailedHeight : 0;
        var fresh = new Dictionary<CheckKind, List<(Proto.Attestation Record, ulong Power)>>();
        foreach (var kind in new[] { CheckKind.Hardware, CheckKind.Latency, CheckKind.Canary })
            fresh[kind] = [.. state.GetNodeAttestations(id, kind).Attestations
                .Where(a => AttestationRules.IsFresh(a, block, notBefore))
                .Select(a => (a, (ulong)(validators.Find(PeerId.FromBytes(a.Validator.Span))?.Power ?? 0L)))
                .Where(p => p.Item2 > 0)];

        var figures = node.Figures?.Clone() ?? new NodeFigures();
        var history = node.History?.Clone() ?? new NodeHistory();
        var hardware = fresh[CheckKind.Hardware];
        var throughput = hardware.Where(p => p.Record.ThroughputMflops > 0).ToList();
        if (throughput.Count > 0)
        {
            figures.ThroughputMflops = StakeWeighted.Median([.. throughput.Select(p => (p.Record.ThroughputMflops, p.Power))]);
            figures.ThroughputPermille = (uint)StakeWeighted.Median([.. throughput.Select(p => ((ulong)p.Record.ThroughputPermille, p.Power))]);
            figures.ClassPermille = HardwareClasses.Record(state, node.Hardware, figures.ThroughputMflops, block.Params.Verification.ReputationSmoothing);
        }
        var latency = fresh[CheckKind.Latency];
        var rtts = latency.Where(p => p.Record.RttMicros > 0).ToList();
        if (rtts.Count > 0) figures.LatencyMicros = (uint)StakeWeighted.Median([.. rtts.Select(p => ((ulong)p.Record.RttMicros, p.Power))]);
        var probed = latency.Where(p => p.Record.ProbesSent > 0).ToList();
        if (probed.Count > 0)
            figures.AvailabilityPpm = (uint)StakeWeighted.Median([.. probed.Select(p => (Ppm(p.Record.ProbesAnswered, p.Record.ProbesSent), p.Power))]);
        var canaries = fresh[CheckKind.Canary].Where(p => p.Record.CanaryPassed + p.Record.CanaryFailed > 0).ToList();
        if (canaries.Count > 0)
        {
            figures.CanaryPassPpm = (uint)StakeWeighted.Median([.. canaries.Select(p => (Ppm(p.Record.CanaryPassed, p.Record.CanaryPassed + p.Record.CanaryFailed), p.Power))]);
            figures.CanaryPassed = canaries.Aggregate(0UL, (sum, p) => checked(sum + p.Record.CanaryPassed));
            figures.CanaryFailed = canaries.Aggregate(0UL, (sum, p) => checked(sum + p.Record.CanaryFailed));
        }
        figures.LastAttestationHeight = block.Height;

        if (NodeReputation.Sample(figures, history, canaries.Count > 0, probed.Count > 0) is { } sample)
        {
            node.ReputationPpm = NodeReputation.Next(node.ReputationPpm, history.ReputationSamples == 0, sample, block.Params.Verification.ReputationSmoothing);
            history.ReputationSamples = checked(history.ReputationSamples + 1);
        }
        node.Figures = figures;
        node.History = history;

        var quorums = fresh.ToDictionary(f => f.Key, f => Decide(f.Value, validators));
        var failing = quorums.Values.Any(q => q == Quorum.Fail);
        if (quorums[CheckKind.Latency] == Quorum.Pass) node.History.LastLiveUnixMs = block.TimeUnixMs;
        else if (quorums[CheckKind.Latency] == Quorum.Fail) LeaseFaults.FaultRunning(context, node);
        var stakeSufficient = node.Stake >= block.Params.MinNodeStake;
        switch (node.Lifecycle)
        {
            // Onboarding is both checks: a node whose latency probe refutes its region (or that is unreachable) must not be
            // Active in the moment between its hardware verdict and its latency verdict.
            case NodeLifecycle.Registered when !failing && quorums[CheckKind.Hardware] == Quorum.Pass && quorums[CheckKind.Latency] == Quorum.Pass && stakeSufficient:
            case NodeLifecycle.Jailed when block.TimeUnixMs >= node.JailedUntilUnixMs && !failing && quorums[CheckKind.Hardware] == Quorum.Pass && stakeSufficient:
                node.Lifecycle = NodeLifecycle.Active;
                node.History.ActivatedHeight = block.Height;
                break;
            case NodeLifecycle.Active when failing:
                Jail(node, block);
                break;
        }
        state.SetNode(id, node);
    }

    /// <summary>Jails <paramref name="node"/> (the caller writes it): no routed work until the jail time has passed and a fresh check passes.</summary>
    public static void Jail(NodeState node, BlockContext block)
    {
        node.Lifecycle = NodeLifecycle.Jailed;
        node.JailedHeight = block.Height;
        node.JailedUntilUnixMs = checked(block.TimeUnixMs + (long)block.Params.Verification.JailTime.TotalMilliseconds);
        node.History ??= new NodeHistory();
        node.History.JailCount = checked(node.History.JailCount + 1);
    }

    /// <summary>Pass or Fail (FAIL and UNREACHABLE alike) when validators with more than 2/3 of the power agree.</summary>
    public static Quorum Decide(IEnumerable<(Proto.Attestation Record, ulong Power)> votes, Consensus.ValidatorSet validators)
    {
        ulong pass = 0, fail = 0;
        foreach (var (record, power) in votes)
        {
            if (record.Verdict == CheckVerdict.Pass) pass = checked(pass + power);
            else fail = checked(fail + power);
        }
        return validators.IsQuorum((long)pass) ? Quorum.Pass : validators.IsQuorum((long)fail) ? Quorum.Fail : Quorum.None;
    }

    private static ulong Ppm(ulong part, ulong whole) => whole == 0 ? 0 : (ulong)UInt128.Min(NodeReputation.Max, (UInt128)part * NodeReputation.Max / whole);
}
