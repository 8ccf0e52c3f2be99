using System.Buffers;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Registers a model by its hash. A name belongs to the account that first registered a model under it: later
/// models may use the name only when registered by that owner (new versions).
/// </summary>
public sealed class RegisterModelHandler : ITransactionHandler
{
    public const int MaxNameLength = 64;
    public const int MaxSignatureLength = 1024;
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    public Transaction.BodyOneofCase Type => Transaction.BodyOneofCase.RegisterModel;

    public ChainError? Apply(TransactionContext context)
    {
        var register = context.Transaction.Body.RegisterModel;
        if (!IsModelHash(register.Hash))
            return new ChainError(ChainErrorCode.InvalidField, $"model hash '{register.Hash}' is not sha256:<64 lower-case hex digits>");
        if (register.Name.Length is 0 or > MaxNameLength || register.Name.Any(char.IsControl))
            return new ChainError(ChainErrorCode.InvalidField, $"model name must be 1 to {MaxNameLength} printable characters");
        if (register.Task.Length is 0 or > MaxNameLength)
            return new ChainError(ChainErrorCode.InvalidField, $"model task must be 1 to {MaxNameLength} characters");
        if (register.InputSignature.Length > MaxSignatureLength || register.OutputSignature.Length > MaxSignatureLength)
            return new ChainError(ChainErrorCode.InvalidField, $"input and output signatures must be at most {MaxSignatureLength} characters");
        if (context.State.GetModel(register.Hash) is not null)
            return new ChainError(ChainErrorCode.ModelAlreadyRegistered, $"model {register.Hash} is already registered");
        var sender = ByteString.CopyFrom(context.SenderId.Bytes.Span);
        if (context.State.GetModelNameOwner(register.Name) is { } owner && owner != sender)
            return new ChainError(ChainErrorCode.DuplicateModelName, $"model name '{register.Name}' belongs to another account");
        context.State.SetModel(new ModelState
        {
            Hash = register.Hash,
            Name = register.Name,
            Task = register.Task,
            InputSignature = register.InputSignature,
            OutputSignature = register.OutputSignature,
            Owner = sender,
            RegisteredHeight = context.Block.Height,
        });
        context.State.SetModelNameOwner(register.Name, context.SenderId);
        return null;
    }

    private static bool IsModelHash(string hash) =>
        hash.Length == 71 && hash.StartsWith("sha256:", StringComparison.Ordinal) && hash.AsSpan(7).IndexOfAnyExcept(LowerHex) < 0;
}
