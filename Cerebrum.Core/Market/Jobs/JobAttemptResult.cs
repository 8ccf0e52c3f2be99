namespace Cerebrum.Core.Market.Jobs;

/// <summary>
/// One input run on one node: on success the result member (<c>"embedding"</c> or <c>"outputs"</c>) as raw JSON, the
/// hash of the node's verified receipt and the micro-CER paid; on failure why, and whether another node may do better.
/// </summary>
public sealed record JobAttemptResult(string? ResultName, string? ResultJson, string? ReceiptHash, ulong Paid, string? Error, bool Retryable)
{
    public bool Succeeded => Error is null;

    public static JobAttemptResult Success(string name, string json, string receiptHash, ulong paid) => new(name, json, receiptHash, paid, null, false);

    public static JobAttemptResult Failure(string error, bool retryable, ulong paid = 0) => new(null, null, null, paid, error, retryable);
}
