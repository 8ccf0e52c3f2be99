namespace Cerebrum.Core.Chain.State;

/// <summary>
/// Where the chain's money is, in micro-CER. Money only moves between these places, so <see cref="Total"/> is the
/// genesis supply after every block (<see cref="Supply"/> checks it for every transaction).
/// </summary>
/// <param name="Burned">Destroyed on purpose; no rule burns today, so it is 0 until one does (kept so the total stays one sum).</param>
public sealed record SupplyTotals(
    ulong Balances,
    ulong Stakes,
    ulong Escrows,
    ulong Unbonding,
    ulong NodeStakes,
    ulong Channels,
    ulong Leases,
    ulong Burned)
{
    public ulong Total => checked(Balances + Stakes + Escrows + Unbonding + NodeStakes + Channels + Leases + Burned);
}
