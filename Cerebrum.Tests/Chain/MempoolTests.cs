using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Mempool;
using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.Transactions;

namespace Cerebrum.Tests.Chain;

[TestFixture]
public sealed class MempoolTests
{
    private static List<string> SendersOf(FinalizedBlock block) =>
        [.. block.Block.Txs.Select(t => Transaction.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(t).Transaction))
            .Select(t => $"{Convert.ToHexStringLower(t.SenderPublicKey.Span)[..8]}:{t.Nonce}")];

    private static string Tag(ChainFixture chain, int user, ulong nonce) => $"{Convert.ToHexStringLower(chain.Users[user].PublicKey.ToProtobuf())[..8]}:{nonce}";

    [Test]
    public void The_same_transaction_is_admitted_once()
    {
        using var chain = new ChainFixture();
        var tx = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1);
        chain.Submit(tx);
        chain.Refused(tx, ChainErrorCode.DuplicateTransaction);
        Assert.That(chain.Node.PendingTransactions, Is.EqualTo(1));
    }

    [Test]
    public void Pending_transactions_count_toward_the_next_nonce_and_the_remaining_balance()
    {
        using var chain = new ChainFixture();
        chain.Submit(Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, ChainFixture.UserBalance - 1_000));
        chain.Submit(Txs.Transfer(chain.Alice, 1, chain.Bob.PeerId, 500));
        var gap = chain.Refused(Txs.Transfer(chain.Alice, 3, chain.Bob.PeerId, 1), ChainErrorCode.WrongNonce);
        Assert.That(gap.Message, Does.Contain("expected 2"));
        chain.Refused(Txs.Transfer(chain.Alice, 2, chain.Bob.PeerId, 500), ChainErrorCode.InsufficientBalance);
    }

    [Test]
    public void Blocks_take_the_highest_fees_first_and_each_senders_transactions_in_nonce_order()
    {
        using var chain = new ChainFixture(users: 3);
        chain.Submit(Txs.Transfer(chain.Alice, 0, chain.Carol.PeerId, 1, fee: 10));
        chain.Submit(Txs.Transfer(chain.Alice, 1, chain.Carol.PeerId, 1, fee: 50));
        chain.Submit(Txs.Transfer(chain.Bob, 0, chain.Alice.PeerId, 1, fee: 20));
        chain.Submit(Txs.Transfer(chain.Carol, 0, chain.Alice.PeerId, 1, fee: 30));
        var block = chain.CommitNext();
        Assert.That(SendersOf(block), Is.EqualTo(new[] { Tag(chain, 2, 0), Tag(chain, 1, 0), Tag(chain, 0, 0), Tag(chain, 0, 1) }));
        Assert.That(chain.Node.PendingTransactions, Is.Zero, "committed transactions leave the pool");
    }

    [Test]
    public void A_full_pool_evicts_its_lowest_fee_for_a_better_paying_newcomer()
    {
        using var chain = new ChainFixture(users: 4, mempool: new MempoolOptions { MaxTransactions = 3 });
        var alice = Txs.Transfer(chain.Users[0], 0, chain.Users[3].PeerId, 1, fee: 10);
        chain.Submit(alice);
        chain.Submit(Txs.Transfer(chain.Users[1], 0, chain.Users[3].PeerId, 1, fee: 20));
        chain.Submit(Txs.Transfer(chain.Users[2], 0, chain.Users[3].PeerId, 1, fee: 30));
        chain.Refused(Txs.Transfer(chain.Users[3], 0, chain.Users[0].PeerId, 1, fee: 10), ChainErrorCode.MempoolFull);
        chain.Submit(Txs.Transfer(chain.Users[3], 0, chain.Users[0].PeerId, 1, fee: 15));
        Assert.That(chain.Node.PendingTransactions, Is.EqualTo(3));
        var block = chain.CommitNext();
        Assert.That(block.Block.Txs.Select(t => t.ToByteArray()), Has.None.EqualTo(alice), "the 10-fee transaction was evicted");
        Assert.That(block.Block.Txs, Has.Count.EqualTo(3));
    }

    [Test]
    public void Eviction_takes_the_last_of_a_senders_transactions_so_no_nonce_gap_remains()
    {
        using var chain = new ChainFixture(users: 3, mempool: new MempoolOptions { MaxTransactions = 3 });
        chain.Submit(Txs.Transfer(chain.Alice, 0, chain.Carol.PeerId, 1, fee: 40));
        chain.Submit(Txs.Transfer(chain.Alice, 1, chain.Carol.PeerId, 1, fee: 6));
        chain.Submit(Txs.Transfer(chain.Bob, 0, chain.Carol.PeerId, 1, fee: 20));
        chain.Submit(Txs.Transfer(chain.Carol, 0, chain.Bob.PeerId, 1, fee: 25));
        var block = chain.CommitNext();
        Assert.That(SendersOf(block), Is.EquivalentTo(new[] { Tag(chain, 0, 0), Tag(chain, 1, 0), Tag(chain, 2, 0) }));
    }

    [Test]
    public void The_pool_is_bounded_in_bytes()
    {
        using var chain = new ChainFixture(mempool: new MempoolOptions { MaxBytes = 1024 });
        var accepted = 0;
        for (ulong nonce = 0; nonce < 20; nonce++)
        {
            var result = chain.Node.SubmitTransaction(Txs.Transfer(chain.Alice, nonce, chain.Bob.PeerId, 1));
            if (!result.Accepted)
            {
                Assert.That(result.Error!.Code, Is.EqualTo(ChainErrorCode.MempoolFull));
                break;
            }
            accepted++;
        }
        Assert.That(accepted, Is.InRange(1, 19));
        var tx = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1);
        Assert.That(accepted * tx.Length, Is.LessThanOrEqualTo(1024));
    }

    [Test]
    public void Reaping_is_bounded_by_count_and_bytes()
    {
        using var chain = new ChainFixture();
        var store = chain.Node.Store;
        var pool = new TransactionPool(new MempoolOptions(), store.State, store.Head, chain.Genesis.Params);
        var size = 0;
        for (ulong nonce = 0; nonce < 10; nonce++)
        {
            var encoded = Txs.Transfer(chain.Alice, nonce, chain.Bob.PeerId, 1);
            Assert.That(TransactionCodec.TryDecode(encoded, ChainFixture.ChainId, chain.Genesis.Params, out var tx, out _), Is.True);
            Assert.That(pool.Add(tx!), Is.Null);
            size = encoded.Length;
        }
        Assert.Multiple(() =>
        {
            Assert.That(pool.Reap(3, long.MaxValue).Select(t => t.Body.Nonce), Is.EqualTo(new ulong[] { 0, 1, 2 }));
            Assert.That(pool.Reap(100, size * 2 + size / 2), Has.Count.EqualTo(2));
            Assert.That(pool.Reap(100, long.MaxValue), Has.Count.EqualTo(10));
        });
    }

    [Test]
    public void A_committed_block_from_elsewhere_prunes_transactions_it_made_invalid()
    {
        using var here = new ChainFixture();
        using var there = new ChainFixture(sameGenesisAs: here);
        here.Submit(Txs.Transfer(here.Alice, 0, here.Bob.PeerId, 5));
        here.Submit(Txs.Transfer(here.Alice, 1, here.Bob.PeerId, 5));
        here.Submit(Txs.Transfer(here.Bob, 0, here.Alice.PeerId, 5));
        there.Submit(Txs.Transfer(there.Alice, 0, there.Carol.PeerId, 7));
        var block = there.CommitNext();
        Assert.That(here.Node.Commit(block.BlockBytes, block.Commit), Is.Null);
        Assert.That(here.Node.PendingTransactions, Is.EqualTo(1), "Alice's nonce 0 is taken, so her pending 0 and 1 are dropped; Bob's stays");
        Assert.That(here.Node.GetAccount(here.Carol.PeerId).Balance, Is.EqualTo(ChainFixture.UserBalance + 7));
    }
}
