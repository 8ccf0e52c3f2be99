using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;

namespace Cerebrum.Tests.Chain;

[TestFixture]
public sealed class ChainStoreTests
{
    [TestCase("block")]
    [TestCase("txs")]
    [TestCase("state")]
    [TestCase("meta")]
    [TestCase("commit")]
    public void A_failure_midway_through_a_block_leaves_the_previous_state_and_root_also_after_reopening(string failAt)
    {
        using var chain = new ChainFixture();
        chain.Submit(Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 100));
        chain.CommitNext();
        var before = chain.Node.Status;
        chain.Submit(Txs.Transfer(chain.Alice, 1, chain.Bob.PeerId, 200));
        var block = chain.Propose();
        chain.Node.Store.BeforeWrite = step =>
        {
            if (step == failAt) throw new IOException($"injected failure at {step}");
        };
        Assert.Throws<IOException>(() => chain.Node.Commit(block, chain.CommitFor(block)));
        chain.Node.Store.BeforeWrite = null;
        void AssertUnchanged(string when)
        {
            var status = chain.Node.Status;
            Assert.Multiple(() =>
            {
                Assert.That(status.Height, Is.EqualTo(before.Height), when);
                Assert.That(status.StateRoot, Is.EqualTo(before.StateRoot), when);
                Assert.That(status.LastHash, Is.EqualTo(before.LastHash), when);
                Assert.That(chain.Node.GetAccount(chain.Bob.PeerId).Balance, Is.EqualTo(ChainFixture.UserBalance + 100), when);
                Assert.That(chain.Node.GetBlock(2), Is.Null, when);
            });
        }
        AssertUnchanged("after the failure");
        chain.Reopen();
        AssertUnchanged("after reopening");
        Assert.That(chain.Node.Commit(block, chain.CommitFor(block)), Is.Null, "the same block commits once the fault is gone");
        Assert.That(chain.Node.GetAccount(chain.Bob.PeerId).Balance, Is.EqualTo(ChainFixture.UserBalance + 300));
    }

    [Test]
    public void Reopening_resumes_from_the_last_committed_block()
    {
        using var chain = new ChainFixture();
        byte[]? txHash = null;
        for (ulong i = 0; i < 5; i++)
        {
            var submitted = chain.Node.SubmitTransaction(Txs.Transfer(chain.Alice, i, chain.Bob.PeerId, 1));
            Assert.That(submitted.Accepted, Is.True);
            txHash ??= submitted.Hash;
            chain.CommitNext();
        }
        var before = chain.Node.Status;
        var block3 = chain.Node.GetBlock(3)!;
        chain.Reopen();
        var after = chain.Node.Status;
        Assert.Multiple(() =>
        {
            Assert.That(after.Height, Is.EqualTo(5));
            Assert.That(after.StateRoot, Is.EqualTo(before.StateRoot));
            Assert.That(after.LastHash, Is.EqualTo(before.LastHash));
            Assert.That(after.LastTime, Is.EqualTo(before.LastTime));
            Assert.That(chain.Node.GetBlock(block3.Hash)?.Height, Is.EqualTo(3));
            Assert.That(chain.Node.GetBlock(3)!.Commit, Is.EqualTo(block3.Commit));
            Assert.That(chain.Node.GetTransaction(txHash!)?.Height, Is.EqualTo(1));
            Assert.That(chain.Node.GetValidatorSet(5)!.Hash, Is.EqualTo(chain.Node.GetValidatorSet(6)!.Hash));
        });
        chain.Submit(Txs.Transfer(chain.Alice, 5, chain.Bob.PeerId, 1));
        Assert.That(chain.CommitNext().Height, Is.EqualTo(6), "block 6 follows, carrying block 5's stored commit");
    }

    [Test]
    public void A_store_of_another_genesis_is_refused()
    {
        using var chain = new ChainFixture();
        chain.Node.Dispose();
        var other = chain.Genesis with { ChainId = "another-chain" };
        var error = Assert.Throws<ChainException>(() => ChainNode.Open(new ChainNodeOptions { DataDirectory = chain.Directory, Genesis = other }));
        Assert.That(error!.Error.Code, Is.EqualTo(ChainErrorCode.StoreMismatch));
        var moreMoney = chain.Genesis with { Accounts = [.. chain.Genesis.Accounts.Select(a => a with { Balance = a.Balance + 1 })] };
        error = Assert.Throws<ChainException>(() => ChainNode.Open(new ChainNodeOptions { DataDirectory = chain.Directory, Genesis = moreMoney }));
        Assert.That(error!.Error.Code, Is.EqualTo(ChainErrorCode.StoreMismatch));
        chain.Reopen();
    }

    [Test]
    public void Genesis_files_round_trip_and_invalid_ones_are_refused_precisely()
    {
        using var chain = new ChainFixture();
        var parsed = GenesisDocument.Parse(chain.Genesis.ToJson());
        Assert.Multiple(() =>
        {
            Assert.That(parsed.ChainId, Is.EqualTo(ChainFixture.ChainId));
            Assert.That(parsed.Params, Is.EqualTo(chain.Genesis.Params));
            Assert.That(parsed.Validators, Is.EqualTo(chain.Genesis.Validators));
            Assert.That(parsed.Accounts, Is.EqualTo(chain.Genesis.Accounts));
        });
        Assert.That(Assert.Throws<ChainException>(() => GenesisDocument.Parse("{")).Message, Does.Contain("not valid JSON"));
        Assert.That(Assert.Throws<ChainException>(() => (chain.Genesis with { Validators = [] }).Validate()).Message, Does.Contain("validator"));
        Assert.That(Assert.Throws<ChainException>(() => (chain.Genesis with { Accounts = [.. chain.Genesis.Accounts, chain.Genesis.Accounts[0]] }).Validate()).Message, Does.Contain("twice"));
        Assert.That(Assert.Throws<ChainException>(() => (chain.Genesis with { Accounts = [new GenesisAccount { PeerId = "nope" }] }).Validate()).Message, Does.Contain("nope"));
        Assert.That(Assert.Throws<ChainException>(() => (chain.Genesis with { Params = new ChainParams { MaxBlockTxs = 0 } }).Validate()).Message, Does.Contain("maxBlockTxs"));
    }

    [Test]
    public void Transactions_indexed_by_their_hex_hash_in_an_older_store_are_still_found()
    {
        using var chain = new ChainFixture();
        var tx = Txs.Transfer(chain.Alice, 0, chain.Bob.PeerId, 100);
        chain.Submit(tx);
        chain.CommitNext();
        var hash = Core.Chain.Transactions.TransactionCodec.Hash(tx);
        Assert.That(chain.Node.GetTransaction(hash)?.Height, Is.EqualTo(1));
        chain.Node.Dispose();
        // Rewrite the index entry the way stores written before the binary keys held it.
        using (var database = new LiteDB.LiteDatabase(new LiteDB.ConnectionString { Filename = Path.Combine(chain.Directory, "chain.db"), Connection = LiteDB.ConnectionType.Direct }))
        {
            var txs = database.GetCollection("txs");
            Assert.That(txs.Delete(new LiteDB.BsonValue(hash)), Is.True);
            txs.Insert(new LiteDB.BsonDocument { ["_id"] = Convert.ToHexStringLower(hash), ["height"] = 1L, ["index"] = 0 });
        }
        chain.Reopen();
        var found = chain.Node.GetTransaction(hash);
        Assert.That(found?.Height, Is.EqualTo(1));
        Assert.That(found!.Encoded, Is.EqualTo(tx));
        Assert.That(chain.Node.GetTransaction(new byte[32]), Is.Null);
    }
}
