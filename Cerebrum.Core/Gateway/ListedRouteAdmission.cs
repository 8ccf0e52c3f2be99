using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Routes only to the nodes the operator listed (a gateway without a ledger), under the names they announce: the
/// operator vouches for them.
/// </summary>
public sealed class ListedRouteAdmission(IReadOnlySet<PeerId> nodes) : IRouteAdmission
{
    public IReadOnlySet<PeerId> Nodes { get; } = nodes;

    public string? Admit(PeerId node, ServedModel announced) => Nodes.Contains(node) ? announced.Name : null;
}
