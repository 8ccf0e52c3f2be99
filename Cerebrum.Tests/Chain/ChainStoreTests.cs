using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.Store;
using LiteDB;

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

    // Found by CrashImageTests: a damaged chain.db made ChainStore.Open throw LiteDB's own exceptions (the daemon died
    // with a stack trace), and a damaged head record opened on a chain nobody has.
    [Test]
    public void A_damaged_file_is_refused_with_the_stores_error()
    {
        using var chain = ChainWithBlocks(3);
        var path = Path.Combine(chain.Directory, ChainStore.FileName);
        var bytes = File.ReadAllBytes(path);
        for (var page = 8192; page < bytes.Length; page += 8192) bytes[page] ^= 0xFF; // every page's id after the header
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<ChainException>(() => chain.Open())!;

        Assert.That(e.Error.Code, Is.EqualTo(ChainErrorCode.StoreMismatch));
        Assert.That(e.Message, Does.Contain(path).And.Contain("is damaged and cannot be read"));
    }

    // LiteDB reads its header's collation before anything else, and a damaged one threw ArgumentException
    // ("Invalid LCID code") out of ChainStore.Open, which the daemon did not recognise as a damaged store.
    [Test]
    public void A_damaged_header_is_refused_with_the_stores_error()
    {
        using var chain = ChainWithBlocks(1);
        var path = Path.Combine(chain.Directory, ChainStore.FileName);
        var bytes = File.ReadAllBytes(path);
        bytes.AsSpan(HeaderCollationOffset, 4).Fill(0x7F); // the collation's LCID
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<ChainException>(() => chain.Open())!;

        Assert.That(e.Error.Code, Is.EqualTo(ChainErrorCode.StoreMismatch));
        Assert.That(e.Message, Does.Contain(path).And.Contain("damaged"));
    }

    /// <summary>Where LiteDB 5 keeps the collation's LCID in its header page (after the page header, the file banner, version, free and last page ids, creation time and user version).</summary>
    private const int HeaderCollationOffset = 80;

    [Test]
    public void A_head_record_naming_another_block_is_refused()
    {
        using var chain = ChainWithBlocks(3);
        EditStore(chain, db =>
        {
            var meta = db.GetCollection("meta");
            var head = meta.FindById("head");
            head["lastHash"] = new BsonValue(new byte[32]);
            meta.Update(head);
        });

        var e = Assert.Throws<ChainException>(() => chain.Open())!;

        Assert.That(e.Error.Code, Is.EqualTo(ChainErrorCode.StoreMismatch));
        Assert.That(e.Message, Does.Contain("block 3 does not hash to the head's recorded hash"));
    }

    [Test]
    public void A_store_with_blocks_but_no_head_record_is_refused_not_reinitialized()
    {
        using var chain = ChainWithBlocks(2);
        EditStore(chain, db => db.GetCollection("meta").Delete("head"));

        var e = Assert.Throws<ChainException>(() => chain.Open())!;

        Assert.That(e.Message, Does.Contain("holds blocks or state but no head record"));
        EditStore(chain, db => Assert.That(db.GetCollection("meta").FindById("head"), Is.Null, "nothing was written"));
    }

    private static ChainFixture ChainWithBlocks(int blocks)
    {
        var chain = new ChainFixture();
        for (var i = 0; i < blocks; i++)
        {
            chain.Submit(Txs.Transfer(chain.Alice, (ulong)i, chain.Bob.PeerId, 1));
            chain.CommitNext();
        }
        chain.Node.Dispose();
        return chain;
    }

    private static void EditStore(ChainFixture chain, Action<LiteDatabase> edit)
    {
        using var db = new LiteDatabase(new ConnectionString { Filename = Path.Combine(chain.Directory, ChainStore.FileName), Connection = ConnectionType.Direct });
        edit(db);
    }
}
