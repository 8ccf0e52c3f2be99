using Cerebrum.Core.Chain.Proto;
using Cerebrum.Core.Chain.State;
using Cerebrum.Core.Crypto;
using Google.Protobuf;

namespace Cerebrum.Tests.Chain;

[TestFixture]
public sealed class StateTreeTests
{
    private static List<(string Key, IMessage? Value)> Entries(int count) =>
        [.. Enumerable.Range(0, count).Select(i => (StateKeys.Model(Txs.ModelHash(i)), (IMessage?)new ModelState { Hash = Txs.ModelHash(i), Name = $"m{i}", RegisteredHeight = (ulong)i }))];

    private static StateChangeSet Changes(IEnumerable<(string Key, IMessage? Value)> entries) =>
        StateChangeSet.From(entries.Select(e => new KeyValuePair<string, IMessage?>(e.Key, e.Value)));

    [Test]
    public void The_root_does_not_depend_on_the_order_or_grouping_of_writes()
    {
        var entries = Entries(3000);
        var inOneGo = new CommittedState();
        inOneGo.Apply(Changes(entries));
        var inBatches = new CommittedState();
        foreach (var batch in entries.AsEnumerable().Reverse().Chunk(700))
            inBatches.Apply(Changes(batch));
        var loaded = new CommittedState();
        loaded.Load(entries.OrderBy(e => e.Key.GetHashCode(StringComparison.Ordinal)).Select(e => (e.Key, e.Value!.ToByteArray())));
        Assert.Multiple(() =>
        {
            Assert.That(inBatches.Root, Is.EqualTo(inOneGo.Root));
            Assert.That(loaded.Root, Is.EqualTo(inOneGo.Root));
            Assert.That(loaded.Count, Is.EqualTo(3000));
        });
    }

    [Test]
    public void Any_change_of_a_value_a_key_or_the_entry_set_changes_the_root()
    {
        var state = new CommittedState();
        state.Apply(Changes(Entries(100)));
        var root = state.Root;
        var roots = new HashSet<string>(StringComparer.Ordinal) { Convert.ToHexString(root) };
        var model = (ModelState)state.Get(StateKeys.Model(Txs.ModelHash(5)))!;
        var changedValue = state.ComputeRoot(Changes([(StateKeys.Model(Txs.ModelHash(5)), new ModelState(model) { RegisteredHeight = 6 })]));
        var deleted = state.ComputeRoot(Changes([(StateKeys.Model(Txs.ModelHash(5)), null)]));
        var added = state.ComputeRoot(Changes([(StateKeys.Model(Txs.ModelHash(500)), new ModelState { Hash = "x" })]));
        var sameValueOtherKey = state.ComputeRoot(Changes([(StateKeys.Model(Txs.ModelHash(5)), null), (StateKeys.Model(Txs.ModelHash(501)), model)]));
        foreach (var other in new[] { changedValue, deleted, added, sameValueOtherKey })
            Assert.That(roots.Add(Convert.ToHexString(other)), Is.True, "every change gives a distinct root");
        Assert.That(state.Root, Is.EqualTo(root), "ComputeRoot leaves the state as it was");
    }

    [Test]
    public void Computing_then_applying_agrees_and_undoing_restores_the_root()
    {
        var state = new CommittedState();
        state.Apply(Changes(Entries(50)));
        var before = state.Root;
        var id = PrivateKey.Generate(KeyType.Secp256k1).PeerId;
        var change = Changes([(StateKeys.Account(id), new AccountState { Balance = 9 })]);
        var predicted = state.ComputeRoot(change);
        Assert.That(state.Apply(change), Is.EqualTo(predicted));
        state.Apply(Changes([(StateKeys.Account(id), null)]));
        Assert.That(state.Root, Is.EqualTo(before));
    }

    [Test]
    public void Two_nodes_fed_the_same_transactions_agree_on_every_block_hash_and_state_root()
    {
        using var one = new ChainFixture();
        using var two = new ChainFixture(sameGenesisAs: one);
        Assert.That(two.Node.Status.StateRoot, Is.EqualTo(one.Node.Status.StateRoot), "same genesis, same root");
        for (ulong i = 0; i < 5; i++)
        {
            var txs = new[]
            {
                Txs.Transfer(one.Alice, i, one.Bob.PeerId, 10 + i),
                Txs.Stake(one.Bob, i, 1_000),
                Txs.RegisterModel(one.Carol, i, Txs.ModelHash((int)i), $"model-{i}"),
            };
            foreach (var tx in txs)
            {
                one.Submit(tx);
                two.Submit(tx);
            }
            var time = one.NextTime;
            var a = one.CommitNext(time);
            var b = two.CommitNext(time);
            Assert.That(b.Hash, Is.EqualTo(a.Hash), $"block {a.Height}");
        }
        Assert.That(two.Node.Status.StateRoot, Is.EqualTo(one.Node.Status.StateRoot));
    }
}
