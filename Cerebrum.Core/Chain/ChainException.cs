namespace Cerebrum.Core.Chain;

/// <summary>Thrown where a result type does not fit (opening a store, loading a genesis); carries the precise error.</summary>
public sealed class ChainException : Exception
{
    public ChainException(ChainError error, Exception? inner = null)
        : base(error.ToString(), inner) => Error = error;

    public ChainException()
        : this(new ChainError(ChainErrorCode.InvalidField, "unspecified chain error"))
    {
    }

    public ChainException(string message)
        : this(new ChainError(ChainErrorCode.InvalidField, message))
    {
    }

    public ChainException(string message, Exception inner)
        : this(new ChainError(ChainErrorCode.InvalidField, message), inner)
    {
    }

    public ChainError Error { get; }
}
