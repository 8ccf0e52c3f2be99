namespace Cerebrum.Core.Crypto;

/// <summary>libp2p's key type enum (peer-ids spec); the numbers are wire values.</summary>
public enum KeyType
{
    Rsa = 0,
    Ed25519 = 1,
    Secp256k1 = 2,
    Ecdsa = 3,
}
