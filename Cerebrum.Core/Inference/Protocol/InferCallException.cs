using Cerebrum.Core.Inference.Protocol.Proto;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>An inference call failed; <see cref="Failure"/> says how, <see cref="NodeError"/> carries the node's error code.</summary>
public sealed class InferCallException : Exception
{
    public InferCallException(InferCallFailure failure, string message, InferErrorCode? nodeError = null, Exception? inner = null)
        : base(message, inner)
    {
        Failure = failure;
        NodeError = nodeError;
    }

    public InferCallFailure Failure { get; }

    public InferErrorCode? NodeError { get; }

    /// <summary>snake_case name of a wire error code ("unknown_model", "bad_input", "busy", "deadline_exceeded", "internal").</summary>
    public static string ErrorName(InferErrorCode code) => code switch
    {
        InferErrorCode.UnknownModel => "unknown_model",
        InferErrorCode.BadInput => "bad_input",
        InferErrorCode.Busy => "busy",
        InferErrorCode.DeadlineExceeded => "deadline_exceeded",
        InferErrorCode.Internal => "internal",
        _ => $"error {(int)code}",
    };
}
