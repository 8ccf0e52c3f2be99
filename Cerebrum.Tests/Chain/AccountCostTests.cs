using System.Security.Cryptography;
using Cerebrum.Core.Chain;
using Cerebrum.Core.Chain.Genesis;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Tests.Chain;

/// <summary>
/// Issue 13 item 9: an account costs its creator a burned fee, and a block's work does not grow with the number of
/// accounts (the validator set comes from an ordered index kept as stake changes, unbondings from a release-time queue).
/// </summary>
[TestFixture]
public sealed class AccountCostTests
{
    private static readonly ChainParams Parameters = new()
    {
        UnbondingDelay = TimeSpan.FromSeconds(2), MinFee = 5, StakePerPower = 1_000, MinNodeStake = 5_000, AccountCreationFee = 2_500, MaxValidators = 5,
    };

    [Test]
    public void CreatingAnAccountBurnsTheCreationFee_OnceAndOnTopOfTheTransfer()
    {
        using var chain = new ChainFixture(Parameters);
        using var fresh = PrivateKey.Generate(KeyType.Secp256k1);
        chain.Submit(Txs.Transfer(chain.Alice, 0, fresh.PeerId, 2, fee: 5));
        chain.Submit(Txs.Transfer(chain.Alice, 1, fresh.PeerId, 2, fee: 5));
        chain.CommitNext();

        Assert.That(chain.Node.GetAccount(fresh.PeerId).Balance, Is.EqualTo(4UL));
        Assert.That(chain.Node.GetAccount(chain.Alice.PeerId).Balance, Is.EqualTo(ChainFixture.UserBalance - 4 - 10 - 2_500), "the fee once, for the first transfer");
        Assert.That(chain.Node.Supply.Burned, Is.EqualTo(2_500UL));
        chain.Submit(Txs.Transfer(chain.Bob, 0, chain.Carol.PeerId, 2, fee: 5));
        chain.CommitNext();
        Assert.That(chain.Node.Supply.Burned, Is.EqualTo(2_500UL), "an existing account costs nothing more");

        // A sender who cannot pay for the account cannot create it.
        using var another = PrivateKey.Generate(KeyType.Secp256k1);
        chain.Submit(Txs.Transfer(chain.Alice, 2, fresh.PeerId, 10, fee: 5));
        chain.CommitNext();
        var refused = chain.Refused(Txs.Transfer(fresh, 0, another.PeerId, 1, fee: 5), ChainErrorCode.InsufficientBalance);
        Assert.That(refused.Message, Does.Contain("creation fee 2500"));
    }

    [Test]
    public void ABlocksWork_StaysFlat_AsAccountsGrow()
    {
        var small = WorkOfOneBlock(accounts: 1_000);
        var large = WorkOfOneBlock(accounts: 30_000);
        TestContext.Out.WriteLine($"state and index entries visited by one block: {small.Visited} with 1,000 accounts, {large.Visited} with 30,000");
        Assert.That(large.Visited, Is.EqualTo(small.Visited), "the same block visits the same entries whatever the number of accounts");
        Assert.That(large.Visited, Is.LessThan(50));
        Assert.That(large.Validators, Is.EqualTo(5), "params.maxValidators: the strongest five of seven candidates");
        Assert.That(large.Released, Is.EqualTo(1), "the due unbonding was released");
    }

    private static (long Visited, int Validators, int Released) WorkOfOneBlock(int accounts)
    {
        using var chain = new ChainFixture(Parameters);
        var genesis = chain.Genesis with
        {
            Accounts = [.. chain.Genesis.Accounts, .. Enumerable.Range(0, accounts).Select(i => new GenesisAccount { PeerId = Filler(i).ToString(), Balance = 1_000 })],
        };
        var directory = Path.Combine(chain.Directory, "large");
        using var node = ChainNode.Open(new ChainNodeOptions { DataDirectory = directory, Genesis = genesis });
        // Two stakers join the four genesis validators as candidates; one of them unstakes part (released two seconds later).
        Submit(node, Txs.Stake(chain.Alice, 0, 50_000));
        Submit(node, Txs.Stake(chain.Bob, 0, 20_000));
        Commit(node, chain, ChainFixture.GenesisTime.AddSeconds(1));
        Submit(node, Txs.Unstake(chain.Alice, 1, 1_000));
        Commit(node, chain, ChainFixture.GenesisTime.AddSeconds(2));

        // The measured block: transfers among existing accounts, a stake change, and the unbonding falling due.
        Submit(node, Txs.Transfer(chain.Carol, 0, chain.Alice.PeerId, 10));
        Submit(node, Txs.Transfer(chain.Carol, 1, Filler(7), 10));
        Submit(node, Txs.Stake(chain.Carol, 2, 5_000));
        var before = node.Store.State.EntriesVisited;
        Commit(node, chain, ChainFixture.GenesisTime.AddSeconds(10));
        var visited = node.Store.State.EntriesVisited - before;
        var released = node.GetUnbonding(chain.Alice.PeerId) is null ? 1 : 0;
        Assert.That(node.Supply.Total, Is.EqualTo(node.GenesisSupply));
        return (visited, node.GetValidatorSet(node.Status.Height + 1)!.Count, released);
    }

    private static void Submit(ChainNode node, byte[] tx) => Assert.That(node.SubmitTransaction(tx).Error, Is.Null);

    private static void Commit(ChainNode node, ChainFixture chain, DateTimeOffset time)
    {
        var height = node.Status.Height + 1;
        var set = node.GetValidatorSet(height)!;
        var block = node.CreateProposal(height, set.GetProposer(0).PeerId, time);
        var signers = chain.Validators.Concat(chain.Users).Where(v => set.Find(v.PeerId) is not null).ToList();
        var hash = Core.Chain.Blocks.BlockHashing.HeaderHash(Core.Chain.Proto.Block.Parser.ParseFrom(block).Header);
        var commit = TestCommits.Create(height, hash, signers);
        var error = node.Commit(block, commit);
        Assert.That(error, Is.Null, () => $"commit failed: {error}");
    }

    private static PeerId Filler(int i) => PeerId.FromBytes([0x12, 0x20, .. SHA256.HashData(BitConverter.GetBytes(i))]);
}
