namespace Cerebrum.Core.Chain.State;

/// <summary>
/// Where the chain's money is, in micro-CER. Money only moves between these places (burning moves it to
/// <see cref="Burned"/>), so <see cref="Total"/> is the genesis supply after every block (<see cref="Supply"/> checks it
/// for every transaction).
/// </summary>
/// <param name="Channels">What payment channels hold: each one's deposit minus what its node has claimed.</param>
/// <param name="Leases">The prepayments that running leases hold.</param>
/// <param name="Burned">Taken out of circulation on purpose: account creation fees and slashed stake.</param>
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

    /// <summary>What is still in circulation (everything but <see cref="Burned"/>).</summary>
    public ulong Circulating => Total - Burned;
}
