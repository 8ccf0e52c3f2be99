using Cerebrum.Core.Chain;

namespace Cerebrum.Tests.TestSupport;

/// <summary>
/// The supply invariant as tests check it: after every block a watched <see cref="ChainNode"/> commits, the whole state
/// is recounted and must hold exactly the genesis supply. Failing inside the commit's caller fails the test at that block.
/// </summary>
internal static class SupplyInvariant
{
    public static ChainNode Watch(ChainNode node)
    {
        node.BlockCommitted += (_, committed) => Check(node, committed.Status.Height);
        return node;
    }

    public static void Check(ChainNode node, ulong height)
    {
        var supply = node.Supply;
        Assert.That(supply.Total, Is.EqualTo(node.GenesisSupply), () => $"the supply changed at block {height}: {supply}");
    }
}
