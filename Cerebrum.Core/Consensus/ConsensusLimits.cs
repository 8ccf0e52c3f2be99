namespace Cerebrum.Core.Consensus;

/// <summary>Fixed sizes of the consensus wire format.</summary>
public static class ConsensusLimits
{
    /// <summary>Every non-nil value id (the application's hash of a value) has this many bytes.</summary>
    public const int ValueIdLength = 32;

    /// <summary>Longer than any DER secp256k1 (≤ 72) or Ed25519 (64) signature.</summary>
    public const int MaxSignatureLength = 128;
}
