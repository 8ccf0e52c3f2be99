using System.Security.Cryptography;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Chain.Payments;

/// <summary>
/// Channel and lease ids: 32-byte hashes of what makes each unique (a payer's transaction nonce; a node's lease
/// sequence), so no one chooses them and no two collide.
/// </summary>
public static class PaymentIds
{
    public const int Length = 32;

    /// <summary>SHA-256("cerebrum-channel:" || payer peer ID bytes || nonce of the payer's OpenChannel, 8 bytes BE).</summary>
    public static byte[] Channel(PeerId payer, ulong openNonce) =>
        SHA256.HashData(new SignBytesWriter("cerebrum-channel:").Fixed(payer.Bytes.Span).UInt64(openNonce).ToArray());

    /// <summary>SHA-256("cerebrum-lease-id:" || node peer ID bytes || the lease's sequence, 8 bytes BE).</summary>
    public static byte[] Lease(PeerId node, ulong sequence) =>
        SHA256.HashData(new SignBytesWriter("cerebrum-lease-id:").Fixed(node.Bytes.Span).UInt64(sequence).ToArray());

    /// <summary>Lower-case hex, as state keys, the CLI and the admin API show ids.</summary>
    public static string ToHex(ReadOnlySpan<byte> id) => Convert.ToHexStringLower(id);

    /// <summary>Parses a 64-digit hex id.</summary>
    public static bool TryParse(string? text, out byte[] id)
    {
        id = [];
        if (text is null || text.Length != 2 * Length) return false;
        try
        {
            id = Convert.FromHexString(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
