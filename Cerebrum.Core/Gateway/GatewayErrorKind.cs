namespace Cerebrum.Core.Gateway;

/// <summary>Why the gateway refused or failed a request; the HTTP layer maps each to its status code.</summary>
public enum GatewayErrorKind
{
    /// <summary>400: malformed body, or tensors that do not fit the model.</summary>
    BadRequest,

    /// <summary>401: missing or wrong API key.</summary>
    Unauthorized,

    /// <summary>404: no node announces the model.</summary>
    UnknownModel,

    /// <summary>413: the body exceeds the size limit.</summary>
    PayloadTooLarge,

    /// <summary>429: the key's rate limit is spent.</summary>
    RateLimited,

    /// <summary>429: every node serving the model is at capacity.</summary>
    NoCapacity,

    /// <summary>503: nodes announce the model but none could answer.</summary>
    NoNode,

    /// <summary>504: the request's deadline passed before a node answered.</summary>
    DeadlineExceeded,

    /// <summary>404: no such endpoint.</summary>
    NotFound,

    /// <summary>500: a fault of the gateway itself.</summary>
    Internal,

    /// <summary>402: the API key's budget is spent.</summary>
    BudgetExhausted,
}
