using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// The ledger's node and model records as routing reads them, cached for one block height: a refresh asks about every
/// held node and its models, and the answers change only when a block commits (<see cref="MoveTo"/> drops them). At most
/// <see cref="MaxEntries"/> answers are kept per height; past that, reads go to the ledger. Thread-safe.
/// </summary>
/// <param name="allModels">Every registered model, for <see cref="ModelsNamed"/>; read at most once per height, when a name is asked for.</param>
public sealed class LedgerReadCache(Func<PeerId, NodeState?> nodes, Func<string, ModelState?> models, Func<IReadOnlyList<ModelState>>? allModels = null)
{
    /// <summary>Most answers kept for one height (nodes and models together).</summary>
    public const int MaxEntries = 100_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<PeerId, NodeState?> _nodes = [];
    private readonly Dictionary<string, ModelState?> _models = new(StringComparer.Ordinal);
    private Dictionary<string, List<string>>? _hashesByName;
    private ulong? _height;

    /// <summary>Reads that went to the ledger since start (for tests and benchmarks).</summary>
    public long LedgerReads { get; private set; }

    /// <summary>The height whose answers are cached; null before the first <see cref="MoveTo"/>.</summary>
    public ulong? Height
    {
        get { lock (_gate) return _height; }
    }

    /// <summary>Caches answers for <paramref name="height"/> from now on; true when it differs from the height cached so far (the answers were dropped).</summary>
    public bool MoveTo(ulong height)
    {
        lock (_gate)
        {
            if (_height == height) return false;
            _height = height;
            _nodes.Clear();
            _models.Clear();
            _hashesByName = null;
            return true;
        }
    }

    public NodeState? Node(PeerId id)
    {
        lock (_gate)
        {
            if (_nodes.TryGetValue(id, out var cached)) return cached;
            LedgerReads++;
            var node = nodes(id);
            if (_nodes.Count + _models.Count < MaxEntries) _nodes[id] = node;
            return node;
        }
    }

    public ModelState? Model(string hash)
    {
        lock (_gate)
        {
            if (_models.TryGetValue(hash, out var cached)) return cached;
            LedgerReads++;
            var model = models(hash);
            if (_nodes.Count + _models.Count < MaxEntries) _models[hash] = model;
            return model;
        }
    }

    /// <summary>The hashes registered under <paramref name="name"/> (several versions may share a name), in hash order; empty without <c>allModels</c>.</summary>
    public IReadOnlyList<string> ModelsNamed(string name)
    {
        if (allModels is null) return [];
        lock (_gate)
        {
            if (_hashesByName is null)
            {
                LedgerReads++;
                _hashesByName = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var model in allModels())
                {
                    if (!_hashesByName.TryGetValue(model.Name, out var hashes)) _hashesByName[model.Name] = hashes = [];
                    hashes.Add(model.Hash);
                }
            }
            return _hashesByName.TryGetValue(name, out var named) ? [.. named] : [];
        }
    }
}
