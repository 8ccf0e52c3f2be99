namespace Cerebrum.Core.Inference;

/// <summary>Why a request failed; carried on the wire as is.</summary>
public enum InferenceErrorCode
{
    /// <summary>No loaded model has that name or hash.</summary>
    UnknownModel = 1,

    /// <summary>Inputs do not match the model's signature or exceed the size limit; the message says exactly how.</summary>
    BadInput = 2,

    /// <summary>The model's queue is full; retry later or elsewhere.</summary>
    Busy = 3,

    /// <summary>The request's deadline passed before it ran to completion.</summary>
    DeadlineExceeded = 4,

    /// <summary>The runtime failed; not the caller's fault.</summary>
    Internal = 5,

    /// <summary>
    /// The node's budget of bytes in flight (its own, or the one it gives each peer) has no room for the request now;
    /// refused before it ran. Like <see cref="Busy"/>: retry later or elsewhere.
    /// </summary>
    ResourceExhausted = 6,
}
