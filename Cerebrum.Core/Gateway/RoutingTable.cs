using System.Collections.Immutable;
using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// The gateway's view of who serves what, per model: the <see cref="NodeRoute"/>s built from the nodes' verified
/// heartbeats. <see cref="Update"/> replaces the set of nodes with the latest heartbeats (a node whose heartbeat expired
/// disappears); <see cref="Apply"/> takes only the nodes that changed (a <see cref="NodeStatusBook"/>'s feed), and
/// <see cref="Reevaluate"/> judges every held node again (when the ledger moved), so that a refresh costs what changed,
/// not the size of the network. Surviving routes keep their measurements. Lookups by model name or hash read an
/// immutable snapshot.
/// </summary>
public sealed class RoutingTable
{
    private readonly RoutingOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<PeerId, NodeRoutes> _byNode = [];
    private readonly Dictionary<string, Dictionary<(PeerId, string), NodeRoute>> _byModel = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, ServedModel> _models = new(StringComparer.Ordinal);
    private readonly HashSet<PeerId> _leased = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _hashesHeard = new(StringComparer.Ordinal);
    private Snapshot _snapshot = new(ImmutableDictionary.Create<string, NodeRoute[]>(StringComparer.Ordinal), []);
    private readonly IRouteAdmission? _admission;
    private int _refused;

    /// <param name="admission">Who may serve what under which name; null routes to every announcing node under the name it announces (development only).</param>
    public RoutingTable(RoutingOptions options, IRouteAdmission? admission = null)
    {
        options.Validate();
        _options = options;
        _admission = admission;
    }

    public RoutingOptions Options => _options;

    /// <summary>Announced (node, model) pairs the admission refused, among the nodes held.</summary>
    public int Refused
    {
        get { lock (_gate) return _refused; }
    }

    /// <summary>Node heartbeats judged since start (the work refreshes did): for tests and benchmarks.</summary>
    public long Evaluations { get; private set; }

    /// <summary>
    /// Replaces the table's nodes with <paramref name="heartbeats"/> (one per node, as a <see cref="NodeStatusBook"/>
    /// holds them). A node's models are routed when <paramref name="standing"/> admits the node and the table's
    /// <see cref="IRouteAdmission"/> admits each (node, model) pair, under the name the admission gives.
    /// </summary>
    /// <param name="standing">
    /// What the ledger says of a node (<see cref="RouteStanding.Of"/>: Active or Registered newcomer, and its reputation),
    /// null for a node not admitted; without it (a gateway with no ledger) every node is routed with full weight.
    /// </param>
    /// <param name="now">With <paramref name="self"/>: the time at which leases are judged.</param>
    /// <param name="self">With <paramref name="now"/>: the gateway's peer ID, so that nodes leased to others are left out (routed around).</param>
    public void Update(IReadOnlyList<NodeStatusEntry> heartbeats, Func<PeerId, RouteStanding?>? standing = null, DateTimeOffset? now = null, PeerId? self = null)
    {
        lock (_gate)
        {
            var affected = new HashSet<string>(StringComparer.Ordinal);
            var present = new Dictionary<PeerId, List<NodeStatusEntry>>();
            foreach (var entry in heartbeats)
            {
                if (!present.TryGetValue(entry.Status.Node, out var entries)) present[entry.Status.Node] = entries = [];
                entries.Add(entry);
            }
            foreach (var (node, entries) in present)
                Evaluate(node, entries, standing, now, self, affected);
            foreach (var node in _byNode.Keys.Where(n => !present.ContainsKey(n)).ToList())
                Evaluate(node, [], standing, now, self, affected);
            Publish(affected);
        }
    }

    /// <summary>
    /// Takes the nodes that changed (<see cref="NodeStatusBook.Drain"/>; a reset replaces the table from
    /// <paramref name="book"/>'s snapshot), and judges the leases of nodes left out as leased again at
    /// <paramref name="now"/>. Parameters as <see cref="Update"/>'s.
    /// </summary>
    public void Apply(NodeStatusChanges changes, NodeStatusBook book, Func<PeerId, RouteStanding?>? standing = null, DateTimeOffset? now = null, PeerId? self = null)
    {
        if (changes.Reset)
        {
            Update(book.Snapshot(), standing, now, self);
            return;
        }
        lock (_gate)
        {
            var affected = new HashSet<string>(StringComparer.Ordinal);
            var done = new HashSet<PeerId>();
            foreach (var (node, entry) in changes.Changed)
            {
                if (done.Add(node)) Evaluate(node, entry is null ? [] : [entry], standing, now, self, affected);
            }
            if (now is { } at && self is not null)
            {
                foreach (var node in _leased.ToList())
                {
                    if (!done.Contains(node) && !_byNode[node].Entries.All(e => e.Status.IsLeasedAgainst(self, at)))
                        Evaluate(node, _byNode[node].Entries, standing, now, self, affected);
                }
            }
            Publish(affected);
        }
    }

    /// <summary>Judges every held node again with the heartbeat held (the ledger moved: standings and names may have changed).</summary>
    public void Reevaluate(Func<PeerId, RouteStanding?>? standing = null, DateTimeOffset? now = null, PeerId? self = null)
    {
        lock (_gate)
        {
            var affected = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (node, held) in _byNode.ToList())
                Evaluate(node, held.Entries, standing, now, self, affected);
            Publish(affected);
        }
    }

    // Replaces one node's routes with those its heartbeat (normally one; none: gone) earns, noting the model keys whose routes changed.
    private void Evaluate(PeerId node, IReadOnlyList<NodeStatusEntry> entries, Func<PeerId, RouteStanding?>? standing, DateTimeOffset? now, PeerId? self, HashSet<string> affected)
    {
        Evaluations++;
        var old = _byNode.GetValueOrDefault(node);
        var routes = new List<NodeRoute>();
        var refused = 0;
        var leased = false;
        RouteStanding? admitted = entries.Count == 0 ? null : standing is null ? RouteStanding.Unchecked : standing(node);
        foreach (var entry in entries)
        {
            if (now is { } at && self is not null && entry.Status.IsLeasedAgainst(self, at))
                leased = true;
            else if (admitted is null)
                refused += entry.Status.Models.Count;
            else
            {
                foreach (var (announced, freeSlots, queueDepth) in entry.Status.Models)
                {
                    var model = announced;
                    if (_admission is not null)
                    {
                        if (_admission.Admit(node, announced) is not { } name)
                        {
                            refused++;
                            continue;
                        }
                        if (name != announced.Name) model = announced with { Name = name };
                    }
                    if (routes.Any(r => r.Model.Hash == model.Hash)) continue;
                    var route = old?.Routes.FirstOrDefault(r => r.Model.Hash == model.Hash) ?? new NodeRoute(node, model, _options);
                    route.Refresh(model, entry.Status.PricePerRequest, freeSlots, queueDepth, admitted.Value);
                    routes.Add(route);
                }
            }
        }
        var names = new Dictionary<NodeRoute, string>(ReferenceEqualityComparer.Instance);
        foreach (var route in routes) names[route] = route.Model.Name;
        // The common case, a heartbeat with the same models: the routes were refreshed in place and the lookups hold them.
        var same = old is not null && old.Routes.Count == routes.Count && routes.All(r => old.Names.TryGetValue(r, out var name) && name == r.Model.Name);
        if (!same)
        {
            if (old is not null)
            {
                foreach (var route in old.Routes) Unlink(route, old.Names[route], affected);
            }
            foreach (var route in routes) Link(route, affected);
        }
        _refused += refused - (old?.Refused ?? 0);
        if (entries.Count == 0) _byNode.Remove(node);
        else _byNode[node] = new NodeRoutes(entries, routes, names, refused);
        if (leased) _leased.Add(node);
        else _leased.Remove(node);
    }

    private void Link(NodeRoute route, HashSet<string> affected)
    {
        RememberName(route.Model.Name, route.Model.Hash);
        foreach (var key in KeysOf(route.Model.Hash, route.Model.Name))
        {
            if (!_byModel.TryGetValue(key, out var routes)) _byModel[key] = routes = [];
            routes[(route.Node, route.Model.Hash)] = route;
            affected.Add(key);
        }
    }

    // A route is filed under the name it had when linked: Refresh may have renamed it since.
    private void Unlink(NodeRoute route, string name, HashSet<string> affected)
    {
        foreach (var key in KeysOf(route.Model.Hash, name))
        {
            if (!_byModel.TryGetValue(key, out var routes)) continue;
            routes.Remove((route.Node, route.Model.Hash));
            if (routes.Count == 0) _byModel.Remove(key);
            affected.Add(key);
        }
    }

    private static IEnumerable<string> KeysOf(string hash, string name)
    {
        yield return hash;
        if (name.Length > 0 && name != hash) yield return name;
    }

    // Rebuilds the lookups of the keys whose routes changed, and the model list when a name's did.
    private void Publish(HashSet<string> affected)
    {
        if (affected.Count == 0) return;
        var byModel = _snapshot.ByModel.ToBuilder();
        var modelsChanged = false;
        foreach (var key in affected)
        {
            if (_byModel.TryGetValue(key, out var routes))
            {
                byModel[key] = [.. routes.Values];
                if (_seen.Count < MaxRemembered) _seen.Add(key);
            }
            else
            {
                byModel.Remove(key);
            }
            var named = routes?.Values.FirstOrDefault(r => r.Model.Name == key);
            if (named is not null) modelsChanged |= !_models.TryGetValue(key, out var held) || held != named.Model;
            if (named is not null) _models[key] = named.Model;
            else modelsChanged |= _models.Remove(key);
        }
        _snapshot = new Snapshot(byModel.ToImmutable(), modelsChanged ? [.. _models.Values] : _snapshot.Models);
    }

    /// <summary>Most model names and hashes remembered as once served (to tell "unknown" from "nobody serves it now").</summary>
    public const int MaxRemembered = 100_000;

    /// <summary>
    /// The model hashes routed under <paramref name="name"/> since start-up, newest last (at most
    /// <see cref="MaxHashesPerName"/>): what a gateway looks up in the DHT when an app asks for a name nobody serves now.
    /// </summary>
    public IReadOnlyList<string> HashesHeard(string name)
    {
        lock (_gate) return _hashesHeard.TryGetValue(name, out var hashes) ? [.. hashes] : [];
    }

    // Bounded: MaxRemembered names, MaxHashesPerName hashes each (the oldest forgotten first).
    private void RememberName(string name, string hash)
    {
        if (name.Length == 0 || name == hash) return;
        if (!_hashesHeard.TryGetValue(name, out var hashes))
        {
            if (_hashesHeard.Count >= MaxRemembered) return;
            _hashesHeard[name] = hashes = [];
        }
        if (hashes.Contains(hash, StringComparer.Ordinal)) return;
        if (hashes.Count >= MaxHashesPerName) hashes.RemoveAt(0);
        hashes.Add(hash);
    }

    /// <summary>Model hashes remembered per name (<see cref="HashesHeard"/>).</summary>
    public const int MaxHashesPerName = 4;

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
        get { lock (_gate) return [.. _byNode.Values.SelectMany(n => n.Routes)]; }
    }

    /// <summary>Why no route serves <paramref name="model"/>: nobody has announced it (unknown) or nobody does now.</summary>
    public GatewayException NotServed(string model) => HasSeen(model)
        ? new GatewayException(GatewayErrorKind.NoNode, $"no node serves model '{model}' at the moment (none has announced it recently)")
        : new GatewayException(GatewayErrorKind.UnknownModel, $"unknown model '{model}': no node on the network announces it");

    /// <summary>The model a name or hash refers to, as the first announcing node describes it; null when nobody serves it.</summary>
    public ServedModel? FindModel(string model) => Routes(model) is [var first, ..] ? first.Model : null;

    /// <summary>A held node: its heartbeat, its routes (with the name each is filed under) and how many of its models were refused.</summary>
    private sealed record NodeRoutes(IReadOnlyList<NodeStatusEntry> Entries, IReadOnlyList<NodeRoute> Routes, Dictionary<NodeRoute, string> Names, int Refused);

    private sealed record Snapshot(ImmutableDictionary<string, NodeRoute[]> ByModel, IReadOnlyList<ServedModel> Models);
}
