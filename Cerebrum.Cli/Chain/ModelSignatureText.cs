using System.Globalization;
using Cerebrum.Core.Chain.Transactions;
using Cerebrum.Core.Operator.Admin;

namespace Cerebrum.Cli.Chain;

/// <summary>
/// A model's inputs or outputs as RegisterModel declares them on the ledger: space-separated
/// <c>name:DATATYPE[d0,d1,…]</c> (KServe datatypes, <c>?</c> for a dynamic dimension), e.g.
/// <c>input_ids:INT64[?,?] attention_mask:INT64[?,?]</c>.
/// </summary>
public static class ModelSignatureText
{
    public static string Of(IEnumerable<TensorResponse> tensors) =>
        string.Join(' ', tensors.Select(t => $"{t.Name}:{t.Datatype}[{string.Join(',', t.Shape.Select(d => d >= 0 ? d.ToString(CultureInfo.InvariantCulture) : "?"))}]"));

    /// <exception cref="CommandFailedException">Longer than the ledger takes.</exception>
    public static string Checked(string signature, string what) =>
        signature.Length <= RegisterModelHandler.MaxSignatureLength
            ? signature
            : throw new CommandFailedException($"the model's {what} take {signature.Length} characters to declare, more than the ledger's {RegisterModelHandler.MaxSignatureLength}");
}
