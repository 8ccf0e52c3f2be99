namespace Cerebrum.Core.Inference.Protocol;

/// <summary>Why an inference call to a node did not produce a verified answer.</summary>
public enum InferCallFailure
{
    /// <summary>The node answered with a typed error (<see cref="InferCallException.NodeError"/> says which).</summary>
    NodeError,

    /// <summary>The connection or stream broke, or the node closed it without answering.</summary>
    Transport,

    /// <summary>The peer does not speak <c>/cerebrum/infer/1.0.0</c>.</summary>
    ProtocolNotSupported,

    /// <summary>The answer is malformed, its receipt does not verify, or it was signed by another key than the connected peer's.</summary>
    InvalidAnswer,
}
