using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Payments;

/// <summary>
/// Signing and checking of payment-channel vouchers: the payer's signature, domain-separated and bound to the chain id,
/// over the channel id, the cumulative amount, the nonce and the hash of the last receipt paid for.
/// </summary>
public static class Vouchers
{
    public const int ReceiptHashLength = 32;

    /// <summary>Largest voucher encoding anyone needs to accept (ids, amounts, a DER signature and tags).</summary>
    public const int MaxEncodedBytes = 256;

    private static readonly byte[] NoReceipt = new byte[ReceiptHashLength];

    /// <summary>The bytes the payer signs; see chain.proto's Voucher.</summary>
    /// <exception cref="ArgumentException">A malformed channel id or receipt hash (check <see cref="CheckShape"/> first).</exception>
    public static byte[] SignBytes(string chainId, ReadOnlySpan<byte> channelId, ulong amount, ulong nonce, ReadOnlySpan<byte> receiptHash)
    {
        if (channelId.Length != PaymentIds.Length) throw new ArgumentException($"a channel id has {PaymentIds.Length} bytes", nameof(channelId));
        if (receiptHash.Length is not (0 or ReceiptHashLength)) throw new ArgumentException($"a receipt hash has {ReceiptHashLength} bytes", nameof(receiptHash));
        return new SignBytesWriter("cerebrum-voucher:").Short(chainId).Fixed(channelId).UInt64(amount).UInt64(nonce)
            .Fixed(receiptHash.IsEmpty ? NoReceipt : receiptHash).ToArray();
    }

    public static Voucher Sign(PrivateKey payer, string chainId, ReadOnlySpan<byte> channelId, ulong amount, ulong nonce, ReadOnlySpan<byte> receiptHash = default) => new()
    {
        ChannelId = ByteString.CopyFrom(channelId),
        Amount = amount,
        Nonce = nonce,
        ReceiptHash = ByteString.CopyFrom(receiptHash),
        Signature = ByteString.CopyFrom(payer.Sign(SignBytes(chainId, channelId, amount, nonce, receiptHash))),
    };

    /// <summary>Null when the voucher's fields have the right sizes; otherwise what is wrong.</summary>
    public static string? CheckShape(Voucher? voucher)
    {
        if (voucher is null) return "no voucher";
        if (voucher.ChannelId.Length != PaymentIds.Length) return $"channel id has {voucher.ChannelId.Length} bytes, not {PaymentIds.Length}";
        if (voucher.ReceiptHash.Length is not (0 or ReceiptHashLength)) return $"receipt hash has {voucher.ReceiptHash.Length} bytes, not {ReceiptHashLength}";
        if (voucher.Signature.IsEmpty || voucher.Signature.Length > 80) return "signature is missing or longer than a DER secp256k1 signature";
        if (voucher.Nonce == 0) return "nonce must be at least 1";
        return null;
    }

    /// <summary>True when the voucher is well formed and signed by <paramref name="payer"/> for <paramref name="chainId"/>.</summary>
    public static bool Verify(string chainId, Voucher voucher, PublicKey payer) =>
        CheckShape(voucher) is null &&
        payer.Verify(SignBytes(chainId, voucher.ChannelId.Span, voucher.Amount, voucher.Nonce, voucher.ReceiptHash.Span), voucher.Signature.Span);
}
