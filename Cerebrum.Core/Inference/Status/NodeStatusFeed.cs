using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Inference.Status;

/// <summary>
/// The nodes whose entry in a <see cref="NodeStatusBook"/> changed since the feed was last drained
/// (<see cref="NodeStatusBook.Watch"/>, <see cref="NodeStatusBook.Drain"/>): a set, so a node heard from many times
/// counts once, and bounded, past which the consumer is told to rebuild.
/// </summary>
public sealed class NodeStatusFeed
{
    private readonly HashSet<PeerId> _nodes = [];
    private readonly int _limit;

    internal NodeStatusFeed(int limit) => _limit = limit;

    internal IReadOnlyCollection<PeerId> Nodes => _nodes;

    internal bool Overflowed { get; private set; }

    internal void Add(PeerId node)
    {
        if (Overflowed) return;
        if (_nodes.Count >= _limit && !_nodes.Contains(node))
        {
            Overflowed = true;
            _nodes.Clear();
            return;
        }
        _nodes.Add(node);
    }

    internal void Clear()
    {
        _nodes.Clear();
        Overflowed = false;
    }
}
