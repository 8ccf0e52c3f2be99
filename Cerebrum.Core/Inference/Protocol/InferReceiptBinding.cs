using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// What a verified receipt binds beyond the job's inputs and outputs (issue 13 item 12): the requester, the node's time,
/// the price charged, the job id the requester and the node chose together (<see cref="InferReceipts.BoundJobId"/>) and
/// the receipt's hash (SHA-256 of its signing bytes: what a voucher's last-receipt hash and a batch job's results name),
/// and the node's nonce (<c>InferResponse.node_nonce</c>), which with the requester's job id gives the bound job id and is
/// part of the signed receipt, so that anyone can rebuild and check the whole receipt.
/// </summary>
public sealed record InferReceiptBinding(PeerId Requester, DateTimeOffset Time, ulong Price, string BoundJobId, byte[] ReceiptHash)
{
    public string ReceiptHashHex => Convert.ToHexStringLower(ReceiptHash);

    /// <summary>The node's nonce the receipt signs (what evidence against the receipt must repeat).</summary>
    public byte[] NodeNonce { get; init; } = [];
}
