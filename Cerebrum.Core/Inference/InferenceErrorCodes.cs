namespace Cerebrum.Core.Inference;

/// <summary>Names of <see cref="InferenceErrorCode"/> values.</summary>
public static class InferenceErrorCodes
{
    /// <summary>snake_case, as on the wire ("unknown_model", "bad_input", "busy", "deadline_exceeded", "internal", "resource_exhausted"); "error N" for a code this version does not know.</summary>
    public static string Name(InferenceErrorCode code) => code switch
    {
        InferenceErrorCode.UnknownModel => "unknown_model",
        InferenceErrorCode.BadInput => "bad_input",
        InferenceErrorCode.Busy => "busy",
        InferenceErrorCode.DeadlineExceeded => "deadline_exceeded",
        InferenceErrorCode.Internal => "internal",
        InferenceErrorCode.ResourceExhausted => "resource_exhausted",
        _ => $"error {(int)code}",
    };
}
