namespace Cerebrum.Core.Inference;

/// <summary>A request the engine could not serve, with a typed <see cref="Code"/>.</summary>
public sealed class InferenceException : Exception
{
    public InferenceException(InferenceErrorCode code, string message, Exception? inner = null)
        : base(message, inner) => Code = code;

    public InferenceErrorCode Code { get; }

    public override string ToString() => $"{Code}: {Message}";
}
