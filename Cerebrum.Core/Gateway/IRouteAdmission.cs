using Cerebrum.Core.Crypto;
using Cerebrum.Core.Inference.Status;

namespace Cerebrum.Core.Gateway;

/// <summary>
/// Which announced (node, model) pairs the <see cref="RoutingTable"/> routes to, and under which name. A heartbeat is
/// only a node's claim about itself (any key can sign one), so who may serve a model, and what a model is called, are
/// answered here: by the ledger (<see cref="LedgerRouteAdmission"/>) or by the operator's list (<see cref="ListedRouteAdmission"/>).
/// </summary>
public interface IRouteAdmission
{
    /// <summary>The name to route <paramref name="node"/>'s <paramref name="announced"/> model under; null refuses the route.</summary>
    string? Admit(PeerId node, ServedModel announced);
}
