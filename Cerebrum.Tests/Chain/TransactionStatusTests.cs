using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Mempool;
using Cerebrum.Core.Chain.Transactions;

namespace Cerebrum.Tests.Chain;

/// <summary>The ledger tells a transaction's fate: included, pending, rejected (and why), or unknown.</summary>
[TestFixture]
public sealed class TransactionStatusTests
{
    [Test]
    public void A_transaction_is_pending_then_included_at_its_height_and_index()
    {
        using var chain = new ChainFixture();
        var tx = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1);
        var hash = TransactionCodec.Hash(tx);
        Assert.That(chain.Node.GetTransactionStatus(hash).State, Is.EqualTo(TransactionState.Unknown));

        chain.Submit(tx);
        Assert.That(chain.Node.GetTransactionStatus(hash), Is.EqualTo(new TransactionStatus(TransactionState.Pending)));

        chain.CommitNext();
        Assert.That(chain.Node.GetTransactionStatus(hash), Is.EqualTo(new TransactionStatus(TransactionState.Included, 1, 0)));
    }

    [Test]
    public void A_refused_submission_is_remembered_with_its_code()
    {
        using var chain = new ChainFixture();
        chain.Submit(Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1));
        chain.CommitNext();
        var replay = Txs.Transfer(chain.Alice, 0, chain.Carol.PeerId, 1);

        chain.Refused(replay, ChainErrorCode.WrongNonce);

        var status = chain.Node.GetTransactionStatus(TransactionCodec.Hash(replay));
        Assert.That(status.State, Is.EqualTo(TransactionState.Rejected));
        Assert.That(status.Error!.Code, Is.EqualTo(ChainErrorCode.WrongNonce));
        Assert.That(status.Error.Message, Is.EqualTo("nonce 0, expected 1"));
    }

    [Test]
    public void Undecodable_bytes_are_remembered_under_their_hash()
    {
        using var chain = new ChainFixture();
        var garbage = new byte[] { 1, 2, 3 };

        Assert.That(chain.Node.SubmitTransaction(garbage).Error, Is.Not.Null);

        Assert.That(chain.Node.GetTransactionStatus(TransactionCodec.Hash(garbage)).State, Is.EqualTo(TransactionState.Rejected));
    }

    [Test]
    public void A_duplicate_of_a_pending_transaction_leaves_it_pending()
    {
        using var chain = new ChainFixture();
        var tx = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1);
        chain.Submit(tx);
        chain.Refused(tx, ChainErrorCode.DuplicateTransaction);

        Assert.That(chain.Node.GetTransactionStatus(TransactionCodec.Hash(tx)).State, Is.EqualTo(TransactionState.Pending));
    }

    [Test]
    public void A_pending_transaction_a_block_makes_invalid_is_dropped_as_rejected_and_so_are_its_senders_later_ones()
    {
        using var here = new ChainFixture();
        using var there = new ChainFixture(sameGenesisAs: here);
        var mine = Txs.Transfer(here.Alice, 0, here.Bob.PeerId, 1);
        var mineNext = Txs.Transfer(here.Alice, 1, here.Bob.PeerId, 1);
        here.Submit(mine);
        here.Submit(mineNext);
        // The same nonce spent elsewhere first: the block that carries it reaches this node.
        var theirs = Txs.Transfer(here.Alice, 0, here.Carol.PeerId, 2);
        there.Submit(theirs);
        var block = there.Propose();
        Assert.That(there.Node.Commit(block, there.CommitFor(block)), Is.Null);

        Assert.That(here.Node.Commit(block, here.CommitFor(block)), Is.Null);

        var dropped = here.Node.GetTransactionStatus(TransactionCodec.Hash(mine));
        Assert.That(dropped.State, Is.EqualTo(TransactionState.Rejected));
        Assert.That(dropped.Error!.Code, Is.EqualTo(ChainErrorCode.WrongNonce));
        var followed = here.Node.GetTransactionStatus(TransactionCodec.Hash(mineNext));
        Assert.That(followed.State, Is.EqualTo(TransactionState.Rejected));
        Assert.That(followed.Error!.Message, Does.Contain("earlier pending transaction of the same sender was dropped"));
        Assert.That(here.Node.GetTransactionStatus(TransactionCodec.Hash(theirs)), Is.EqualTo(new TransactionStatus(TransactionState.Included, 1, 0)));
    }

    [Test]
    public void A_transaction_evicted_from_a_full_pool_is_rejected_as_mempool_full()
    {
        using var chain = new ChainFixture(mempool: new MempoolOptions { MaxTransactions = 1 });
        var cheap = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1, fee: 10);
        chain.Submit(cheap);
        chain.Submit(Txs.Transfer(chain.Bob, 0, chain.Alice.PeerId, 1, fee: 20));

        var status = chain.Node.GetTransactionStatus(TransactionCodec.Hash(cheap));
        Assert.That(status.State, Is.EqualTo(TransactionState.Rejected));
        Assert.That(status.Error!.Code, Is.EqualTo(ChainErrorCode.MempoolFull));
    }

    [Test]
    public void Checking_a_transaction_neither_admits_nor_records_it()
    {
        using var chain = new ChainFixture();
        var good = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1);
        var bad = Txs.Transfer(chain.Alice, 5, chain.Bob.PeerId, 1);

        Assert.That(chain.Node.CheckTransaction(good).Error, Is.Null);
        Assert.That(chain.Node.CheckTransaction(bad).Error!.Code, Is.EqualTo(ChainErrorCode.WrongNonce));

        Assert.That(chain.Node.PendingTransactions, Is.Zero);
        Assert.That(chain.Node.GetTransactionStatus(TransactionCodec.Hash(bad)).State, Is.EqualTo(TransactionState.Unknown));
        chain.Submit(good);
        Assert.That(chain.Node.CheckTransaction(Txs.Transfer(chain.Alice, 1, chain.Bob.PeerId, 1)).Error, Is.Null, "checked after what is pending");
    }

    [Test]
    public void The_record_of_rejections_is_bounded_and_forgets_the_oldest_first()
    {
        var rejections = new RecentRejections(capacity: 3);
        for (var i = 0; i < 5; i++)
            rejections.Record($"h{i}", new ChainError(ChainErrorCode.WrongNonce, new string('x', 10_000)));

        Assert.That(rejections.Count, Is.EqualTo(3));
        Assert.That(rejections.Find("h0"), Is.Null);
        Assert.That(rejections.Find("h1"), Is.Null);
        Assert.That(rejections.Find("h4")!.Message.Length, Is.LessThanOrEqualTo(201), "messages are capped");
    }
}
