namespace Cerebrum.Core.Chain.State;

/// <summary>
/// Where the chain's money is, in micro-CER. Money only moves between these places (burning moves it to
/// <see cref="Burned"/>), so <see cref="Total"/> is the genesis supply after every block.
/// </summary>
/// <param name="Burned">Taken out of circulation on purpose: account creation fees and slashed stake.</param>
public sealed record SupplyTotals(ulong Balances, ulong Stakes, ulong Escrows, ulong Unbonding, ulong NodeStakes, ulong Burned)
{
    public ulong Total => checked(Balances + Stakes + Escrows + Unbonding + NodeStakes + Burned);

    /// <summary>What is still in circulation (everything but <see cref="Burned"/>).</summary>
    public ulong Circulating => Total - Burned;
}
