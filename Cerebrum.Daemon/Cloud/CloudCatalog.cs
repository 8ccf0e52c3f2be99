using Cerebrum.Core.Crypto;
using Cerebrum.Core.Gateway;
using Cerebrum.Core.Inference.Tensors;
using Cerebrum.Daemon.Admin;
using Cerebrum.Daemon.Chain;
using Cerebrum.Daemon.Gateway;
using Cerebrum.Daemon.Status;

namespace Cerebrum.Daemon.Cloud;

/// <summary>
/// What Cerebrum Cloud shows, read from the gateway's own sources at request time: its routing table (nodes serving
/// each model, with the gateway's measurements), the heartbeats heard on <c>cerebrum/1/status</c>, and the ledger when
/// the gateway keeps one (registered models and nodes). Nothing is cached or invented: a model or node appears once
/// some source knows it, and each part says where it comes from.
/// </summary>
/// <param name="market">The market's offers, leases and usage; null while the gateway has none (see <see cref="ICloudMarket"/>).</param>
public sealed class CloudCatalog(GatewayService gateway, NodeDirectoryService directory, ChainService? chain, PeerId self, ICloudMarket? market = null)
{
    private ICloudMarket? _market = market;

    /// <summary>The market, when this gateway has one.</summary>
    public ICloudMarket? Market => Volatile.Read(ref _market);

    /// <summary>Registered nodes' reputation over time, sampled by <see cref="SampleLedger"/>.</summary>
    public CloudReputationHistory Reputation { get; } = new();

    /// <summary>The market, once the gateway's has opened (it starts after the catalog exists).</summary>
    public void UseMarket(ICloudMarket market) => Volatile.Write(ref _market, market);

    /// <summary>Samples the ledger's reputations when it has a new height; the gateway calls it as it refreshes its routes.</summary>
    public void SampleLedger()
    {
        if (chain is null) return;
        var status = chain.Chain.Status;
        Reputation.Sample(status.Height, status.LastTime, chain.Chain.ListNodes);
    }

    public CloudOverview Overview()
    {
        var heard = directory.Book.Snapshot();
        var ledger = Ledger();
        return new CloudOverview(
            self.ToString(),
            DaemonVersion.Version,
            gateway.Options.Open,
            ledger is null ? null : Head(ledger.Value.Service),
            heard.Count,
            ledger?.Nodes.Count ?? 0,
            gateway.Table.Models.Count,
            ledger?.Models.Count ?? 0,
            Features(ledger is not null, Market is not null, ledger?.Nodes.Any(n => n.Node.Figures is { LastAttestationHeight: > 0 }) ?? false,
                gateway.Options.SelfService.Enabled && !gateway.Options.Open));
    }

    public List<CloudModel> Models()
    {
        var ledger = Ledger();
        var now = gateway.Time.GetUtcNow();
        var routesByHash = gateway.Table.AllRoutes.GroupBy(r => r.Model.Hash, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var registered = (ledger?.Models ?? []).ToDictionary(m => m.Hash, StringComparer.Ordinal);
        var models = new List<CloudModel>();
        foreach (var hash in routesByHash.Keys.Union(registered.Keys, StringComparer.Ordinal))
        {
            var routes = routesByHash.GetValueOrDefault(hash) ?? [];
            var announced = routes.FirstOrDefault()?.Model;
            var record = registered.GetValueOrDefault(hash);
            models.Add(new CloudModel(
                record?.Name is { Length: > 0 } registeredName ? registeredName : announced?.Name ?? "",
                hash,
                announced?.Task ?? record?.Task ?? "",
                Describe(announced?.Inputs),
                Describe(announced?.Outputs),
                record is null ? null : new CloudModelRegistration(record.Name, record.Task, record.InputSignature, record.OutputSignature,
                    record.Owner.IsEmpty ? "" : PeerId.FromBytes(record.Owner.Span).ToString(), record.RegisteredHeight),
                [.. routes.OrderBy(r => r.Node.ToString(), StringComparer.Ordinal).Select(r => Route(r, now))]));
        }
        return [.. models.OrderBy(m => m.Name.Length == 0).ThenBy(m => m.Name, StringComparer.Ordinal).ThenBy(m => m.Hash, StringComparer.Ordinal)];
    }

    public List<CloudNode> Nodes()
    {
        var ledger = Ledger();
        var now = gateway.Time.GetUtcNow();
        var heard = directory.Book.Snapshot().ToDictionary(e => e.Status.Node);
        var registered = (ledger?.Nodes ?? []).ToDictionary(n => n.Id, n => n.Node);
        var routes = gateway.Table.AllRoutes.ToLookup(r => r.Node);
        var nowMs = now.ToUnixTimeMilliseconds();
        return [.. heard.Keys.Union(registered.Keys)
            .OrderBy(id => id.ToString(), StringComparer.Ordinal)
            .Select(id => new CloudNode(
                id.ToString(),
                heard.TryGetValue(id, out var entry) ? NodeDirectoryEndpoints.Describe(entry) : null,
                registered.TryGetValue(id, out var node)
                    ? new CloudNodeRegistration(node.Stake, node.Hardware, node.Region, [.. node.ModelHashes], node.RegisteredHeight)
                    : null,
                gateway.IsConnected(id),
                [.. routes[id].OrderBy(r => r.Model.Name, StringComparer.Ordinal).Select(r => Route(r, now))],
                registered.TryGetValue(id, out var attested) && ledger is { Service: var service } ? ChainNodeEndpoints.Describe(service.Chain, id, attested) : null,
                registered.ContainsKey(id) ? Reputation.Of(id) : null,
                registered.TryGetValue(id, out var leased) ? Lease(leased, nowMs) : null))];
    }

    /// <summary>What this gateway can show: each part is on when its source exists (see <see cref="CloudFeatures"/>).</summary>
    public static CloudFeatures Features(bool ledger, bool market, bool verification, bool selfServiceKeys) => new(ledger, market, verification, selfServiceKeys);

    private CloudNodeLease? Lease(Core.Chain.Proto.NodeState node, long nowMs)
    {
        if (chain is null || node.LeaseId.IsEmpty || chain.Chain.GetLease(node.LeaseId.Span) is not { } lease || lease.EndUnixMs <= nowMs) return null;
        return new CloudNodeLease(Convert.ToHexStringLower(node.LeaseId.Span), PeerId.FromBytes(lease.Tenant.Span).ToString(),
            DateTimeOffset.FromUnixTimeMilliseconds(lease.EndUnixMs).UtcDateTime);
    }

    private CloudRoute Route(NodeRoute route, DateTimeOffset now)
    {
        var node = chain?.Chain.GetNode(route.Node);
        return new(route.Node.ToString(), route.Model.Name, route.PricePerRequest, route.AdvertisedFreeSlots, route.AdvertisedQueueDepth, route.Outstanding,
            Math.Round(route.Latency.TotalMilliseconds, 3), route.Served, route.Failed, route.Breaker.IsAvailable(now), gateway.IsConnected(route.Node),
            node is null ? null : ChainNodeEndpoints.StateName(node.Lifecycle), node?.ReputationPpm);
    }

    private static List<CloudTensor> Describe(IReadOnlyList<TensorSignature>? tensors) =>
        [.. (tensors ?? []).Select(t => new CloudTensor(t.Name, TensorDataTypes.ToKServeName(t.DataType), t.Dimensions))];

    private static CloudChain Head(ChainService service)
    {
        var status = service.Chain.Status;
        return new CloudChain(status.ChainId, status.Height, status.LastTime.UtcDateTime, service.IsSyncing);
    }

    private (ChainService Service, IReadOnlyList<Core.Chain.Proto.ModelState> Models, IReadOnlyList<(PeerId Id, Core.Chain.Proto.NodeState Node)> Nodes)? Ledger() =>
        chain is null ? null : (chain, chain.Chain.ListModels(), chain.Chain.ListNodes());
}
