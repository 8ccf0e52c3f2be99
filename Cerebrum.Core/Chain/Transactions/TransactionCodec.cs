using System.Security.Cryptography;
using System.Text;
using Cerebrum.Core.Chain.Caching;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Common;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.Transactions;

/// <summary>
/// Signing and decoding of <see cref="SignedTransaction"/>: the sender signs "cerebrum-tx:" || the Transaction's exact
/// bytes (so no re-encoding is ever needed to verify), and the hash is SHA-256 of the SignedTransaction encoding.
/// </summary>
public static class TransactionCodec
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("cerebrum-tx:");
    private static readonly MessageParser<SignedTransaction> DiscardingSignedParser = SignedTransaction.Parser.WithDiscardUnknownFields(true);
    private static readonly MessageParser<Transaction> DiscardingTransactionParser = Transaction.Parser.WithDiscardUnknownFields(true);

    /// <summary>Fills in the sender key and signs; returns the SignedTransaction encoding.</summary>
    public static byte[] Sign(PrivateKey sender, Transaction transaction)
    {
        var body = transaction.Clone();
        body.SenderPublicKey = ByteString.CopyFrom(sender.PublicKey.ToProtobuf());
        var bytes = body.ToByteArray();
        return new SignedTransaction
        {
            Transaction = ByteString.CopyFrom(bytes),
            Signature = ByteString.CopyFrom(sender.Sign(SignBytes(bytes))),
        }.ToByteArray();
    }

    public static byte[] Hash(ReadOnlySpan<byte> encoded) => SHA256.HashData(encoded);

    /// <summary>The peer ID of a transaction's sender key (its protobuf encoding), parsed once per key.</summary>
    /// <exception cref="FormatException">Not a valid key encoding.</exception>
    /// <exception cref="NotSupportedException">A key type this build does not know.</exception>
    public static PeerId SenderPeerId(ReadOnlySpan<byte> senderPublicKey) => SenderKeyCache.Parse(senderPublicKey).Id;

    public static byte[] SignBytes(ReadOnlySpan<byte> transaction) => [.. Domain, .. transaction];

    /// <summary>Checks size, encoding (the canonical one only), chain id, body and signature (strict DER, low S).</summary>
    public static bool TryDecode(byte[] encoded, string chainId, ChainParams parameters, out VerifiedTransaction? transaction, out ChainError? error) =>
        TryDecode(encoded, chainId, parameters, null, out transaction, out error);

    /// <summary>
    /// Checks size, encoding, chain id, body and signature, unless <paramref name="verified"/> (checked under the same
    /// chain id and limits) already holds these exact bytes; adds what passes to it.
    /// </summary>
    public static bool TryDecode(byte[] encoded, string chainId, ChainParams parameters, VerifiedTransactionCache? verified, out VerifiedTransaction? transaction, out ChainError? error)
    {
        transaction = null;
        if (encoded.Length > parameters.MaxTxBytes)
        {
            error = new ChainError(ChainErrorCode.TransactionTooLarge, $"transaction of {encoded.Length} bytes exceeds the limit of {parameters.MaxTxBytes}");
            return false;
        }
        var hash = Hash(encoded);
        if (verified?.Find(hash, encoded) is { } known)
        {
            transaction = known;
            error = null;
            return true;
        }
        SignedTransaction signed;
        Transaction body;
        try
        {
            // Unknown fields are dropped while parsing, so that they make the encoding non-canonical below.
            signed = DiscardingSignedParser.ParseFrom(encoded);
            body = DiscardingTransactionParser.ParseFrom(signed.Transaction);
        }
        catch (InvalidProtocolBufferException e)
        {
            error = new ChainError(ChainErrorCode.MalformedTransaction, $"not a valid SignedTransaction: {e.Message}");
            return false;
        }
        if (body.ChainId != chainId)
        {
            error = new ChainError(ChainErrorCode.WrongChainId, $"transaction is for chain '{body.ChainId}', this is '{chainId}'");
            return false;
        }
        if (body.BodyCase == Transaction.BodyOneofCase.None)
        {
            error = new ChainError(ChainErrorCode.UnknownTransactionType, "transaction has no body (or one this version does not know)");
            return false;
        }
        // The hash covers these exact bytes: any other encoding of the same content (an unknown field appended, a padded
        // varint) would be the same transaction under another hash, made by whoever relays it.
        if (!CanonicalProtobuf.IsEncodingOf(signed, encoded) || !CanonicalProtobuf.IsEncodingOf(body, signed.Transaction.Span))
        {
            error = new ChainError(ChainErrorCode.NonCanonicalEncoding,
                "not the canonical encoding of a SignedTransaction and its Transaction (unknown, repeated or out-of-order fields, or padded numbers)");
            return false;
        }
        SenderKeyCache.Sender sender;
        try
        {
            sender = SenderKeyCache.Parse(body.SenderPublicKey.Span);
        }
        catch (Exception e) when (e is FormatException or NotSupportedException)
        {
            error = new ChainError(ChainErrorCode.BadSignature, $"sender public key is invalid: {e.Message}");
            return false;
        }
        var key = sender.Key;
        if (key.Type != KeyType.Secp256k1)
        {
            error = new ChainError(ChainErrorCode.BadSignature, $"sender key is {key.Type}; accounts use secp256k1");
            return false;
        }
        if (!key.VerifyStrict(SignBytes(signed.Transaction.Span), signed.Signature.Span))
        {
            error = new ChainError(ChainErrorCode.BadSignature, "signature does not verify against the sender key");
            return false;
        }
        transaction = new VerifiedTransaction(encoded, hash, body, key, sender.Id);
        verified?.Add(transaction);
        error = null;
        return true;
    }
}
