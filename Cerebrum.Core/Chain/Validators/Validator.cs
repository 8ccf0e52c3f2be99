using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Validators;

/// <summary>A member of a validator set: its key (its peer ID is its account) and voting power.</summary>
public sealed record Validator(PublicKey PublicKey, ulong Power)
{
    public PeerId PeerId { get; } = PublicKey.ToPeerId();
}
