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
    /// <summary>The market, when this gateway has one.</summary>
    public ICloudMarket? Market => market;

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
            Features(ledger is not null, market is not null));
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
        return [.. heard.Keys.Union(registered.Keys)
            .OrderBy(id => id.ToString(), StringComparer.Ordinal)
            .Select(id => new CloudNode(
                id.ToString(),
                heard.TryGetValue(id, out var entry) ? NodeDirectoryEndpoints.Describe(entry) : null,
                registered.TryGetValue(id, out var node)
                    ? new CloudNodeRegistration(node.Stake, node.Hardware, node.Region, [.. node.ModelHashes], node.RegisteredHeight)
                    : null,
                gateway.IsConnected(id),
                [.. routes[id].OrderBy(r => r.Model.Name, StringComparer.Ordinal).Select(r => Route(r, now))]))];
    }

    /// <summary>What this gateway can show; verification data has no source yet, and keys are created by the operator only.</summary>
    public static CloudFeatures Features(bool ledger, bool market) => new(ledger, market, Verification: false, SelfServiceKeys: false);

    private CloudRoute Route(NodeRoute route, DateTimeOffset now) => new(
        route.Node.ToString(), route.Model.Name, route.PricePerRequest, route.AdvertisedFreeSlots, route.AdvertisedQueueDepth, route.Outstanding,
        Math.Round(route.Latency.TotalMilliseconds, 3), route.Served, route.Failed, route.Breaker.IsAvailable(now), gateway.IsConnected(route.Node));

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
