using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// The gateway's view of who serves what, per model: the <see cref="NodeRoute"/>s built from the nodes' verified
/// heartbeats. <see cref="Update"/> replaces the set of nodes with the latest heartbeats (a node whose heartbeat expired
/// disappears), keeping each surviving route's measurements. Lookups by model name or hash read an immutable snapshot.
/// </summary>
public sealed class RoutingTable
{
    private readonly RoutingOptions _options;
    private readonly Lock _gate = new();
    private Dictionary<(PeerId Node, string Hash), NodeRoute> _routes = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private Snapshot _snapshot = new(new Dictionary<string, NodeRoute[]>(StringComparer.Ordinal), []);
    private readonly IRouteAdmission? _admission;

    /// <param name="admission">Who may serve what under which name; null routes to every announcing node under the name it announces (development only).</param>
    public RoutingTable(RoutingOptions options, IRouteAdmission? admission = null)
    {
        options.Validate();
        _options = options;
        _admission = admission;
    }

    public RoutingOptions Options => _options;

    /// <summary>Announced (node, model) pairs the admission refused at the last <see cref="Update"/>.</summary>
    public int Refused { get; private set; }

    /// <summary>Replaces the table's nodes with <paramref name="heartbeats"/> (one per node, as a <see cref="NodeStatusBook"/> holds them).</summary>
    public void Update(IReadOnlyList<NodeStatusEntry> heartbeats)
    {
        lock (_gate)
        {
            var routes = new Dictionary<(PeerId, string), NodeRoute>();
            var refused = 0;
            foreach (var entry in heartbeats)
            {
                foreach (var (announced, freeSlots, queueDepth) in entry.Status.Models)
                {
                    var model = announced;
                    if (_admission is not null)
                    {
                        if (_admission.Admit(entry.Status.Node, announced) is not { } name)
                        {
                            refused++;
                            continue;
                        }
                        if (name != announced.Name) model = announced with { Name = name };
                    }
                    var key = (entry.Status.Node, model.Hash);
                    if (routes.ContainsKey(key)) continue;
                    var route = _routes.TryGetValue(key, out var known) ? known : new NodeRoute(entry.Status.Node, model, _options);
                    route.Refresh(model, entry.Status.PricePerRequest, freeSlots, queueDepth);
                    routes[key] = route;
                }
            }
            _routes = routes;
            Refused = refused;
            var byModel = new Dictionary<string, List<NodeRoute>>(StringComparer.Ordinal);
            foreach (var route in routes.Values)
            {
                Add(byModel, route.Model.Hash, route);
                if (route.Model.Name.Length > 0 && route.Model.Name != route.Model.Hash) Add(byModel, route.Model.Name, route);
            }
            var models = routes.Values
                .Where(r => r.Model.Name.Length > 0)
                .GroupBy(r => r.Model.Name, StringComparer.Ordinal)
                .Select(g => g.First().Model)
                .OrderBy(m => m.Name, StringComparer.Ordinal)
                .ToArray();
            foreach (var key in byModel.Keys)
            {
                if (_seen.Count < MaxRemembered) _seen.Add(key);
            }
            _snapshot = new Snapshot(byModel.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal), models);
        }
    }

    /// <summary>Most model names and hashes remembered as once served (to tell "unknown" from "nobody serves it now").</summary>
    public const int MaxRemembered = 100_000;

    /// <summary>Whether any node has ever announced <paramref name="model"/> (by name or hash) since start-up.</summary>
    public bool HasSeen(string model)
    {
        lock (_gate) return _seen.Contains(model);
    }

    /// <summary>The routes of a model, by its name or sha256:&lt;hex&gt; hash; empty when no node announces it.</summary>
    public IReadOnlyList<NodeRoute> Routes(string model) =>
        Volatile.Read(ref _snapshot).ByModel.TryGetValue(model, out var routes) ? routes : [];

    /// <summary>One entry per model name announced by any node, ordered by name.</summary>
    public IReadOnlyList<ServedModel> Models => Volatile.Read(ref _snapshot).Models;

    /// <summary>Every route, for status pages.</summary>
    public IReadOnlyList<NodeRoute> AllRoutes
    {
        get { lock (_gate) return [.. _routes.Values]; }
    }

    /// <summary>Why no route serves <paramref name="model"/>: nobody has announced it (unknown) or nobody does now.</summary>
    public GatewayException NotServed(string model) => HasSeen(model)
        ? new GatewayException(GatewayErrorKind.NoNode, $"no node serves model '{model}' at the moment (none has announced it recently)")
        : new GatewayException(GatewayErrorKind.UnknownModel, $"unknown model '{model}': no node on the network announces it");

    /// <summary>The model a name or hash refers to, as the first announcing node describes it; null when nobody serves it.</summary>
    public ServedModel? FindModel(string model) => Routes(model) is [var first, ..] ? first.Model : null;

    private static void Add(Dictionary<string, List<NodeRoute>> byModel, string key, NodeRoute route)
    {
        if (!byModel.TryGetValue(key, out var list)) byModel[key] = list = [];
        list.Add(route);
    }

    private sealed record Snapshot(Dictionary<string, NodeRoute[]> ByModel, IReadOnlyList<ServedModel> Models);
}
