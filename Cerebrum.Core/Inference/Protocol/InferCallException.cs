namespace Cerebrum.Core.Inference.Protocol;

/// <summary>An inference call failed; <see cref="Failure"/> says how, <see cref="NodeError"/> carries the node's error code.</summary>
public sealed class InferCallException : Exception
{
    public InferCallException(InferCallFailure failure, string message, InferenceErrorCode? nodeError = null, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        NodeError = nodeError;
    }

    public InferCallFailure Failure { get; }

    /// <summary>The node's error, when it answered one (<see cref="InferCallFailure.NodeError"/>); a code this version does not know keeps its number.</summary>
    public InferenceErrorCode? NodeError { get; }
}
