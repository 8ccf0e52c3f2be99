using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Consensus;

/// <summary>A validator: its key (its peer ID is its identity) and its voting power.</summary>
public sealed record Validator
{
    public Validator(PublicKey publicKey, long power)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (power <= 0) throw new ArgumentOutOfRangeException(nameof(power), power, "voting power must be positive");
        PublicKey = publicKey;
        Power = power;
        PeerId = publicKey.ToPeerId();
    }

    public PublicKey PublicKey { get; }

    public long Power { get; }

    public PeerId PeerId { get; }
}
