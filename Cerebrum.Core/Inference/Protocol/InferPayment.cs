namespace Cerebrum.Core.Inference.Protocol;

/// <summary>How a job pays: the payer's channel to the node, an encoded cumulative voucher on it (null when the credit already signed covers the job) and the most the requester pays for it.</summary>
public sealed record InferPayment(byte[] ChannelId, byte[]? Voucher, ulong MaxPrice);
