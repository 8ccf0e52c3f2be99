namespace Cerebrum.Core.Gateway;

/// <summary>Which nodes a gateway with a ledger routes to (<c>Gateway:Routing:Admission</c>).</summary>
public enum NodeAdmission
{
    /// <summary>
    /// Nodes the ledger shows Active (they passed the validators' checks); Registered ones only for
    /// <see cref="RoutingOptions.RegisteredShare"/> of requests; Jailed and unregistered ones never.
    /// </summary>
    Active,

    /// <summary>Every node that announces itself (a local test network whose nodes are not registered).</summary>
    Any,
}
