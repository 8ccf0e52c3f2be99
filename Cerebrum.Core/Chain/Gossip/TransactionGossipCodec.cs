using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Common;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Gossip;

/// <summary>
/// The payload of <c>cerebrum/1/txs</c>: one SignedTransaction encoding as it is, or a <see cref="Proto.TransactionGossip"/>
/// batch of them. The batch message shares SignedTransaction's field numbers, so every payload parses as it; a payload
/// without batch entries is a single transaction whose bytes are the payload itself (never re-encoded: the bytes are
/// what the hash covers).
/// </summary>
public static class TransactionGossipCodec
{
    /// <summary>The payload for <paramref name="transactions"/> (SignedTransaction encodings): the encoding itself for one.</summary>
    public static byte[] Encode(IReadOnlyList<byte[]> transactions)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        if (transactions.Count == 0) throw new ArgumentException("a gossip payload carries at least one transaction", nameof(transactions));
        if (transactions.Count == 1) return transactions[0];
        var batch = new Proto.TransactionGossip();
        foreach (var tx in transactions) batch.Batch.Add(ByteString.CopyFrom(tx));
        return batch.ToByteArray();
    }

    /// <summary>
    /// Splits <paramref name="transactions"/>, in order, into runs of at most <paramref name="maxTransactions"/> and
    /// <paramref name="maxBytes"/> bytes of transactions (a single larger transaction goes alone).
    /// </summary>
    public static List<List<byte[]>> Split(IReadOnlyList<byte[]> transactions, int maxTransactions, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTransactions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        var runs = new List<List<byte[]>>();
        List<byte[]>? current = null;
        var bytes = 0L;
        foreach (var tx in transactions)
        {
            if (current is null || current.Count >= maxTransactions || bytes + tx.Length > maxBytes)
            {
                runs.Add(current = []);
                bytes = 0;
            }
            current.Add(tx);
            bytes += tx.Length;
        }
        return runs;
    }

    /// <summary>The SignedTransaction encodings a payload carries, in order; false when it is not a valid payload.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> payload, int maxTransactions, out IReadOnlyList<byte[]> transactions, out string? error)
    {
        transactions = [];
        Proto.TransactionGossip parsed;
        try
        {
            parsed = Proto.TransactionGossip.Parser.ParseFrom(payload.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            error = $"not a SignedTransaction or a batch of them: {e.Message}";
            return false;
        }
        if (parsed.Batch.Count == 0)
        {
            transactions = [payload.ToArray()];
            error = null;
            return true;
        }
        if (!parsed.Transaction.IsEmpty || !parsed.Signature.IsEmpty)
        {
            error = "a batch must not also carry a transaction of its own";
            return false;
        }
        if (parsed.Batch.Count > maxTransactions)
        {
            error = $"a batch of {parsed.Batch.Count} transactions exceeds the limit of {maxTransactions}";
            return false;
        }
        // One payload per batch: unknown fields or padding would make a re-wrapped copy a new gossip message.
        if (!CanonicalProtobuf.TryParse(Proto.TransactionGossip.Parser, payload.Span, out _, out var nonCanonical))
        {
            error = nonCanonical;
            return false;
        }
        transactions = [.. parsed.Batch.Select(b => b.ToByteArray())];
        error = null;
        return true;
    }
}
