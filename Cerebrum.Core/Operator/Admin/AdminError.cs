using System.Text.Json.Serialization;

namespace Cerebrum.Core.Operator.Admin;

/// <summary>
/// The body of every admin API error: <c>{"error": "..."}</c>, a message meant for the operator; a ledger rejection adds
/// <c>"code"</c>, the <c>ChainErrorCode</c> name (e.g. <c>WrongNonce</c>).
/// </summary>
public sealed record AdminError(
    string Error,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null);
