using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain.Gossip;

[TestFixture]
public sealed class TransactionGossipCodecTests
{
    [Test]
    public void A_lone_transaction_is_gossiped_as_its_own_encoding_and_decodes_to_exactly_those_bytes()
    {
        using var chain = new ChainFixture();
        var tx = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1);
        Assert.That(TransactionGossipCodec.Encode([tx]), Is.SameAs(tx));
        Assert.That(TransactionGossipCodec.TryDecode(tx, 10, out var decoded, out var error), Is.True, error);
        Assert.That(decoded, Has.Count.EqualTo(1));
        Assert.That(decoded[0], Is.EqualTo(tx));
    }

    [Test]
    public void A_batch_decodes_to_its_transactions_in_order()
    {
        using var chain = new ChainFixture();
        var txs = Enumerable.Range(0, 3).Select(n => Txs.Transfer(chain.Alice, (ulong)n, chain.Bob.PeerId, 1)).ToList();
        var payload = TransactionGossipCodec.Encode(txs);
        Assert.That(TransactionGossipCodec.TryDecode(payload, 10, out var decoded, out var error), Is.True, error);
        Assert.That(decoded, Is.EqualTo(txs));
        // Hashes are over the exact bytes, unchanged by the batch.
        Assert.That(decoded.Select(d => TransactionCodec.Hash(d)), Is.EqualTo(txs.Select(t => TransactionCodec.Hash(t))));
    }

    [Test]
    public void Payloads_that_are_neither_a_transaction_nor_a_clean_batch_are_refused()
    {
        using var chain = new ChainFixture();
        var tx = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1);
        var signed = SignedTransaction.Parser.ParseFrom(tx);
        var mixed = new TransactionGossip { Transaction = signed.Transaction, Signature = signed.Signature, Batch = { ByteString.CopyFrom(tx) } }.ToByteArray();
        Assert.That(TransactionGossipCodec.TryDecode(mixed, 10, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("must not also carry"));
        Assert.That(TransactionGossipCodec.TryDecode(new byte[] { 0x0a, 0x05, 0x01 }, 10, out _, out error), Is.False);
        Assert.That(error, Does.Contain("not a SignedTransaction"));
        var tooMany = TransactionGossipCodec.Encode([tx, tx, tx]);
        Assert.That(TransactionGossipCodec.TryDecode(tooMany, 2, out _, out error), Is.False);
        Assert.That(error, Does.Contain("exceeds the limit of 2"));
    }

    [Test]
    public void Split_keeps_the_order_within_the_count_and_byte_limits()
    {
        var txs = new List<byte[]> { new byte[10], new byte[10], new byte[10], new byte[50], new byte[10] };
        for (var i = 0; i < txs.Count; i++) txs[i][0] = (byte)i;
        var byCount = TransactionGossipCodec.Split(txs, 2, 1000);
        Assert.That(byCount.Select(r => r.Count), Is.EqualTo(new[] { 2, 2, 1 }));
        var byBytes = TransactionGossipCodec.Split(txs, 100, 25);
        // 10+10 | 10 | 50 (alone: larger than the limit) | 10
        Assert.That(byBytes.Select(r => r.Count), Is.EqualTo(new[] { 2, 1, 1, 1 }));
        Assert.That(byBytes.SelectMany(r => r).Select(t => t[0]), Is.EqualTo(new byte[] { 0, 1, 2, 3, 4 }));
        Assert.That(TransactionGossipCodec.Split([], 2, 25), Is.Empty);
    }
}
