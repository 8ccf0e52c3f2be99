using Cerebrum.Core.Chain.Proto;
using Google.Protobuf;

namespace Cerebrum.Core.Chain.State;

/// <summary>
/// The supply invariant: the money each state entry holds, its sum over a state, and the change a set of pending
/// writes makes to it. The executor refuses a transaction whose writes change the supply by anything but the fee and
/// take it hands to the proposer, so no bug in a handler can mint or lose money; tests recount the whole state after
/// every block.
/// </summary>
public static class Supply
{
    /// <summary>The micro-CER an entry holds (0 for entries that hold none).</summary>
    public static UInt128 Held(IMessage? value) => value switch
    {
        AccountState account => (UInt128)account.Balance + account.Stake + account.Escrow,
        UnbondingState unbonding => unbonding.Amount,
        NodeState node => node.Stake,
        ChannelState channel => channel.Deposit >= channel.Paid ? channel.Deposit - channel.Paid : 0,
        LeaseState lease => lease.Prepaid,
        SupplyState supply => supply.Burned,
        _ => 0,
    };

    /// <summary>Every entry of <paramref name="state"/> summed by kind.</summary>
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
        return new SupplyTotals(balances, stakes, escrows,
            Sum(state, StateKeys.UnbondingPrefix), Sum(state, StateKeys.NodePrefix), Sum(state, StateKeys.ChannelPrefix), Sum(state, StateKeys.LeasePrefix), state.GetBurned());
    }

    /// <summary>What the overlay's pending writes add to (positive) or take from (negative) the money its parent holds.</summary>
    public static Int128 Delta(StateOverlay overlay)
    {
        Int128 delta = 0;
        foreach (var (key, value) in overlay.Writes)
            delta += (Int128)Held(value) - (Int128)Held(overlay.Parent.Get(key));
        return delta;
    }

    private static ulong Sum(IStateReader state, string prefix)
    {
        ulong sum = 0;
        foreach (var (_, value) in state.Enumerate(prefix))
            sum = checked(sum + (ulong)Held(value));
        return sum;
    }
}
