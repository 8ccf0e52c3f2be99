using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Transactions;

namespace Cerebrum.Tests.Chain;

[TestFixture]
public sealed class VerifiedTransactionCacheTests
{
    private static readonly ChainParams Params = new();

    private static VerifiedTransaction Decode(byte[] encoded, VerifiedTransactionCache? cache = null)
    {
        Assert.That(TransactionCodec.TryDecode(encoded, ChainFixture.ChainId, Params, cache, out var tx, out var error), Is.True, () => error!.ToString());
        return tx!;
    }

    [Test]
    public void A_cached_transaction_is_found_only_with_exactly_its_bytes()
    {
        using var chain = new ChainFixture();
        var cache = new VerifiedTransactionCache(16);
        var tx = Decode(Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1), cache);
        Assert.That(cache.Find(tx.Hash, tx.Encoded), Is.SameAs(tx));

        // Same hash presented with other bytes (as if the hash had been forged): no hit.
        var tampered = tx.Encoded.ToArray();
        tampered[^1] ^= 1;
        Assert.That(cache.Find(tx.Hash, tampered), Is.Null);
        Assert.That(cache.Find(tx.Hash, tx.Encoded.AsSpan(0, tx.Encoded.Length - 1)), Is.Null);
    }

    [Test]
    public void Decoding_with_a_cache_still_refuses_a_tampered_copy_of_a_cached_transaction()
    {
        using var chain = new ChainFixture();
        var cache = new VerifiedTransactionCache(16);
        var encoded = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1);
        var original = Decode(encoded, cache);
        // The signature's last byte flipped: other bytes, other hash, so it is verified, and fails.
        var tampered = encoded.ToArray();
        tampered[^1] ^= 1;
        Assert.That(TransactionCodec.TryDecode(tampered, ChainFixture.ChainId, Params, cache, out var tx, out var error), Is.False);
        Assert.That(tx, Is.Null);
        Assert.That(error!.Code, Is.EqualTo(ChainErrorCode.BadSignature));
        Assert.That(cache.Count, Is.EqualTo(1));
        // The original decodes from the cache, as the same instance.
        Assert.That(Decode(encoded, cache), Is.SameAs(original));
    }

    [Test]
    public void Only_verified_transactions_enter_the_cache()
    {
        using var chain = new ChainFixture();
        var cache = new VerifiedTransactionCache(16);
        var wrongChain = Txs.Sign(chain.Alice, 0, t => t.Transfer = new Core.Chain.Proto.Transfer { To = Google.Protobuf.ByteString.CopyFrom(chain.Bob.PeerId.Bytes.Span), Amount = 1 }, chainId: "other-chain");
        Assert.That(TransactionCodec.TryDecode(wrongChain, ChainFixture.ChainId, Params, cache, out _, out var error), Is.False);
        Assert.That(error!.Code, Is.EqualTo(ChainErrorCode.WrongChainId));
        Assert.That(TransactionCodec.TryDecode([1, 2, 3], ChainFixture.ChainId, Params, cache, out _, out _), Is.False);
        Assert.That(cache.Count, Is.Zero);
    }

    [Test]
    public void The_oldest_entries_are_evicted_beyond_the_capacity()
    {
        using var chain = new ChainFixture();
        var cache = new VerifiedTransactionCache(2);
        var txs = Enumerable.Range(0, 3).Select(n => Decode(Txs.Transfer(chain.Alice, (ulong)n, chain.Bob.PeerId, 1), cache)).ToList();
        Assert.That(cache.Count, Is.EqualTo(2));
        Assert.That(cache.Find(txs[0].Hash, txs[0].Encoded), Is.Null);
        Assert.That(cache.Find(txs[1].Hash, txs[1].Encoded), Is.SameAs(txs[1]));
        Assert.That(cache.Find(txs[2].Hash, txs[2].Encoded), Is.SameAs(txs[2]));
    }
}
