using System.Diagnostics;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Chain;

/// <summary>A full-size block end to end; prints where the time goes (the benchmark target is 2,000 finalized transfers/s).</summary>
[TestFixture]
public sealed class BlockThroughputTests
{
    [Test]
    public void A_block_of_2000_transfers_is_proposed_validated_and_committed()
    {
        using var chain = new ChainFixture(users: 200);
        var txs = new List<byte[]>();
        var recipient = PrivateKey.Generate(KeyType.Secp256k1).PeerId;
        for (ulong nonce = 0; nonce < 10; nonce++)
            foreach (var user in chain.Users)
                txs.Add(Txs.Transfer(user, nonce, recipient, 1));
        var clock = Stopwatch.StartNew();
        foreach (var tx in txs) chain.Submit(tx);
        var submit = clock.Elapsed;
        clock.Restart();
        var block = chain.Propose();
        var propose = clock.Elapsed;
        clock.Restart();
        Assert.That(chain.Node.ValidateProposal(block), Is.Null);
        var validate = clock.Elapsed;
        var commit = chain.CommitFor(block);
        clock.Restart();
        Assert.That(chain.Node.Commit(block, commit), Is.Null);
        var apply = clock.Elapsed;
        TestContext.Out.WriteLine($"2000 txs: submit {submit.TotalMilliseconds:0} ms, propose {propose.TotalMilliseconds:0} ms, validate {validate.TotalMilliseconds:0} ms, commit {apply.TotalMilliseconds:0} ms");
        Assert.Multiple(() =>
        {
            Assert.That(chain.Node.GetBlock(1)!.Block.Txs, Has.Count.EqualTo(2000));
            Assert.That(chain.Node.GetAccount(recipient).Balance, Is.EqualTo(2000));
            Assert.That(chain.Node.PendingTransactions, Is.Zero);
        });

        // A second node validating the same block from scratch (no mempool: every signature checked).
        using var other = new ChainFixture(sameGenesisAs: chain);
        clock.Restart();
        Assert.That(other.Node.Commit(block, commit), Is.Null);
        TestContext.Out.WriteLine($"cold commit (signatures verified in the block): {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.That(other.Node.Status.StateRoot, Is.EqualTo(chain.Node.Status.StateRoot));
    }
}
