using Cerebrum.Core.Chain.Caching;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>A peer ID carried in a transaction body as multihash bytes, parsed with a precise error.</summary>
internal static class PeerIdField
{
    public static ChainError? Parse(ByteString bytes, string what, out PeerId id)
    {
        try
        {
            id = PeerIdCache.FromBytes(bytes.Span);
            return null;
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
        {
            id = null!;
            return new ChainError(ChainErrorCode.InvalidField, $"{what} is not a peer ID: {e.Message}");
        }
    }
}
