using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Inference.Status;

/// <summary>What <see cref="NodeStatusBook.Drain"/> returns: each changed node with its entry now (null: gone), or <paramref name="Reset"/> (rebuild from a snapshot).</summary>
public sealed record NodeStatusChanges(bool Reset, IReadOnlyList<(PeerId Node, NodeStatusEntry? Entry)> Changed);
