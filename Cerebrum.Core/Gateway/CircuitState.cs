namespace Cerebrum.Core.Gateway;

public enum CircuitState
{
    /// <summary>Healthy: requests flow.</summary>
    Closed,

    /// <summary>Failing: the node is skipped until the open time passes.</summary>
    Open,

    /// <summary>Probing: one request is let through; its outcome closes or reopens the circuit.</summary>
    HalfOpen,
}
