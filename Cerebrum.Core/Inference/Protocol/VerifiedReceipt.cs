namespace Cerebrum.Core.Inference.Protocol;

/// <summary>
/// What a node signed about one job, as the client checked it (see <see cref="InferReceipts"/>): the SHA-256 of the
/// request's inputs and of the answer's outputs, and the node's signature over them with the job id and model hash.
/// Anyone holding these, the job id, the model hash and the node's key can check the statement again.
/// </summary>
public sealed record VerifiedReceipt(ReadOnlyMemory<byte> InputHash, ReadOnlyMemory<byte> OutputHash, ReadOnlyMemory<byte> Signature);
