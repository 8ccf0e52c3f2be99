using Cerebrum.Core.Chain.Proto;

namespace Cerebrum.Core.Chain.State;

/// <summary>The supply invariant's count: every entry of a state that holds money, summed by kind (a full scan, for audits and tests).</summary>
public static class Supply
{
    /// <exception cref="OverflowException">A part exceeds 64 bits (impossible while the invariant holds).</exception>
    public static SupplyTotals Count(IStateReader state)
    {
        ulong balances = 0, stakes = 0, escrows = 0;
        foreach (var (_, value) in state.Enumerate(StateKeys.AccountPrefix))
        {
            var account = (AccountState)value;
            balances = checked(balances + account.Balance);
            stakes = checked(stakes + account.Stake);
            escrows = checked(escrows + account.Escrow);
        }
        ulong unbonding = 0, nodeStakes = 0;
        foreach (var (_, value) in state.Enumerate(StateKeys.UnbondingPrefix))
            unbonding = checked(unbonding + ((UnbondingState)value).Amount);
        foreach (var (_, value) in state.Enumerate(StateKeys.NodePrefix))
            nodeStakes = checked(nodeStakes + ((NodeState)value).Stake);
        return new SupplyTotals(balances, stakes, escrows, unbonding, nodeStakes, state.GetBurned());
    }
}
