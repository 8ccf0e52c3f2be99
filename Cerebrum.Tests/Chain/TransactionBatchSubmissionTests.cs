using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Gossip;
using Cerebrum.Core.PubSub;

namespace Cerebrum.Tests.Chain;

[TestFixture]
public sealed class TransactionBatchSubmissionTests
{
    [Test]
    public void A_bad_transaction_in_a_batch_refuses_only_itself_and_the_rest_are_admitted_in_order()
    {
        using var chain = new ChainFixture();
        var badSignature = Txs.Transfer(chain.Carol, 0, chain.Bob.PeerId, 1);
        badSignature[^1] ^= 1;
        var batch = new List<byte[]>
        {
            Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1),
            badSignature,
            Txs.Transfer(chain.Alice, 1, chain.Bob.PeerId, 1),
            Txs.Transfer(chain.Alice, 2, chain.Bob.PeerId, 1),
        };
        var results = chain.Node.SubmitTransactions(batch);
        Assert.That(results.Select(r => r.Error?.Code), Is.EqualTo(new ChainErrorCode?[] { null, ChainErrorCode.BadSignature, null, null }));
        Assert.That(chain.Node.PendingTransactions, Is.EqualTo(3));
        Assert.That(chain.Node.GetNextNonce(chain.Alice.PeerId), Is.EqualTo(3));
        Assert.That(TransactionGossipVerdict.For(results), Is.EqualTo(ValidationResult.Reject));
        var block = chain.CommitNext();
        Assert.That(block.Block.Txs, Has.Count.EqualTo(3));
    }

    [Test]
    public void The_same_batch_again_is_ignored_not_rejected()
    {
        using var chain = new ChainFixture();
        var batch = new List<byte[]> { Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1), Txs.Transfer(chain.Bob, 0, chain.Alice.PeerId, 1) };
        Assert.That(TransactionGossipVerdict.For(chain.Node.SubmitTransactions(batch)), Is.EqualTo(ValidationResult.Accept));
        var again = chain.Node.SubmitTransactions(batch);
        Assert.That(again.Select(r => r.Error?.Code), Is.EqualTo(new ChainErrorCode?[] { ChainErrorCode.DuplicateTransaction, ChainErrorCode.DuplicateTransaction }));
        Assert.That(TransactionGossipVerdict.For(again), Is.EqualTo(ValidationResult.Ignore));
    }

    [Test]
    public void A_batch_with_one_new_transaction_among_duplicates_is_accepted()
    {
        using var chain = new ChainFixture();
        var first = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 1);
        chain.Submit(first);
        var results = chain.Node.SubmitTransactions([first, Txs.Transfer(chain.Alice, 1, chain.Bob.PeerId, 1)]);
        Assert.That(results[0].Error?.Code, Is.EqualTo(ChainErrorCode.DuplicateTransaction));
        Assert.That(results[1].Accepted, Is.True);
        Assert.That(TransactionGossipVerdict.For(results), Is.EqualTo(ValidationResult.Accept));
    }
}
