using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>A decoded transaction whose signature has been checked: its exact bytes, hash, body and sender.</summary>
public sealed record VerifiedTransaction(byte[] Encoded, byte[] Hash, Transaction Body, PublicKey SenderKey, PeerId Sender)
{
    public string HashHex { get; } = Convert.ToHexStringLower(Hash);

    public int Size => Encoded.Length;
}
