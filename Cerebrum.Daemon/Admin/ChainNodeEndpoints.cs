using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Operator.Admin;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cerebrum.Daemon.Admin;

/// <summary><c>GET /chain/nodes</c> and <c>GET /chain/nodes/{peerId}</c>: registered nodes as the ledger has them (503 without a ledger).</summary>
public static class ChainNodeEndpoints
{
    public static IEndpointRouteBuilder MapChainNodeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminRoutes.ChainNodes, (HttpContext http) =>
        {
            if (ChainEndpoints.ChainOf(http) is not { } service) return ChainEndpoints.NoLedgerResult();
            return Results.Ok(service.Chain.ListNodes().Select(n => new ChainNodeSummary(
                n.Id.ToString(), StateName(n.Node.Lifecycle), n.Node.Stake, n.Node.ReputationPpm, n.Node.Hardware,
                n.Node.Figures?.ThroughputMflops ?? 0, n.Node.Figures?.ThroughputPermille ?? 0, n.Node.Figures?.LatencyMicros ?? 0,
                n.Node.Figures?.LastAttestationHeight ?? 0)).ToList());
        });

        endpoints.MapGet(AdminRoutes.ChainNode, (HttpContext http, string peerId) =>
        {
            if (ChainEndpoints.ChainOf(http) is not { } service) return ChainEndpoints.NoLedgerResult();
            if (!PeerId.TryParse(peerId, out var id, out var parseError))
                return ChainEndpoints.Error(StatusCodes.Status400BadRequest, $"'{peerId}' is not a peer ID: {parseError}");
            var chain = service.Chain;
            if (chain.GetNode(id) is not { } node)
                return ChainEndpoints.Error(StatusCodes.Status404NotFound, $"no node {id} is registered on this ledger");
            return Results.Ok(Describe(chain, id, node));
        });
        return endpoints;
    }

    public static string StateName(NodeLifecycle lifecycle) => lifecycle switch
    {
        NodeLifecycle.Active => "active",
        NodeLifecycle.Jailed => "jailed",
        _ => "registered",
    };

    /// <summary>A registered node with its attestations, as <c>GET /chain/nodes/{peerId}</c> and Cerebrum Cloud show it.</summary>
    public static ChainNodeResponse Describe(ChainNode chain, PeerId id, NodeState node)
    {
        var figures = node.Figures ?? new NodeFigures();
        var history = node.History ?? new NodeHistory();
        var checks = new List<ChainNodeCheck>();
        var latencies = new List<ChainNodeLatency>();
        foreach (var kind in new[] { CheckKind.Hardware, CheckKind.Latency, CheckKind.Canary })
        {
            foreach (var attestation in chain.GetNodeAttestations(id, kind).Attestations)
            {
                var validator = PeerId.FromBytes(attestation.Validator.Span).ToString();
                var verdict = attestation.Verdict.ToString().ToLowerInvariant();
                checks.Add(new ChainNodeCheck(validator, kind.ToString().ToLowerInvariant(), verdict, attestation.Height, attestation.Detail));
                if (kind == CheckKind.Latency && attestation.RttMicros > 0)
                    latencies.Add(new ChainNodeLatency(validator, attestation.RttMicros, verdict, attestation.Height));
            }
        }
        return new ChainNodeResponse(
            id.ToString(),
            StateName(node.Lifecycle),
            node.Stake,
            node.ReputationPpm,
            node.Hardware,
            node.Region,
            node.Claim?.ClaimedMflops ?? 0,
            node.Claim?.Gpu ?? false,
            figures.ThroughputMflops,
            figures.ThroughputPermille,
            figures.ClassPermille,
            figures.LatencyMicros,
            latencies,
            figures.CanaryPassed,
            figures.CanaryFailed,
            figures.CanaryPassPpm,
            figures.AvailabilityPpm,
            figures.LastAttestationHeight,
            node.RegisteredHeight,
            history.ActivatedHeight,
            node.Lifecycle == NodeLifecycle.Jailed ? DateTimeOffset.FromUnixTimeMilliseconds(node.JailedUntilUnixMs).UtcDateTime : null,
            history.JailCount,
            history.Slashed,
            [.. node.ModelHashes],
            checks);
    }
}
