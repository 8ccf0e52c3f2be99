using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Consensus;

/// <summary>One validator's precommit signature inside a <see cref="Commit"/>.</summary>
public sealed record CommitSignature(PeerId Validator, ReadOnlyMemory<byte> Signature);
