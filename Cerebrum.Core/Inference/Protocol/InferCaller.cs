using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// Who asks for a job and how it pays: the requester (the connection's authenticated peer, or the node itself for its own
/// gateway), the model as the request names it, and the request's payment fields as sent (channel id, encoded voucher,
/// the most it pays; empty or zero when absent).
/// </summary>
public readonly record struct InferCaller(PeerId Requester, string Model, ReadOnlyMemory<byte> ChannelId, ReadOnlyMemory<byte> Voucher, ulong MaxPrice);
