using Cerebrum.Core.Network.Multiaddr;
using Cerebrum.Core.Crypto;

namespace Cerebrum.Core.Network.Protocols.Relay;

/// <summary>
/// <c>/p2p-circuit</c> addresses (libp2p/specs addressing): <c>&lt;relay address&gt;/p2p/&lt;relay&gt;/p2p-circuit[/p2p/&lt;target&gt;]</c>.
/// A peer announces the form without its own ID (as listen addresses are); a dialer appends the target.
/// </summary>
public static class CircuitAddress
{
    private static readonly Multiaddress CircuitSuffix = Multiaddress.Parse("/p2p-circuit");

    /// <summary>The relayed address reached through <paramref name="relayAddress"/>, which must name the relay's ID.</summary>
    /// <exception cref="ArgumentException">The relay address has no trailing <c>/p2p</c> or is itself relayed.</exception>
    public static Multiaddress Through(Multiaddress relayAddress)
    {
        ArgumentNullException.ThrowIfNull(relayAddress);
        if (relayAddress.PeerId is null)
            throw new ArgumentException($"a relay address must end in /p2p/<relay>: {relayAddress}", nameof(relayAddress));
        if (Addressing.AddressScope.IsRelayed(relayAddress))
            throw new ArgumentException($"relays are not chained: {relayAddress}", nameof(relayAddress));
        return Multiaddress.FromBytes([.. relayAddress.ToBytes(), .. CircuitSuffix.ToBytes()]);
    }

    /// <summary>
    /// Splits a circuit address into the relay's address (with its <c>/p2p</c>), the relay's ID and the target's ID
    /// (null when the address ends at <c>/p2p-circuit</c>). False for anything else, including chained relays.
    /// </summary>
    public static bool TryParse(Multiaddress address, out Multiaddress relayAddress, out PeerId relay, out PeerId? target)
    {
        ArgumentNullException.ThrowIfNull(address);
        relayAddress = null!;
        relay = null!;
        target = null;
        var components = address.Components;
        var circuitAt = -1;
        for (var i = 0; i < components.Count; i++)
        {
            if (components[i].Name != "p2p-circuit")
                continue;
            if (circuitAt >= 0)
                return false; // chained
            circuitAt = i;
        }
        // The relay part may be a bare /p2p/<relay> (its addresses known otherwise); the target part is /p2p/<target> or nothing.
        if (circuitAt < 1 || components[circuitAt - 1].Protocol != MultiaddressProtocol.P2p)
            return false;
        var tail = components.Count - circuitAt - 1;
        if (tail > 1 || tail == 1 && components[^1].Protocol != MultiaddressProtocol.P2p)
            return false;
        var text = string.Concat(components.Take(circuitAt).Select(c => c.ToString()));
        relayAddress = Multiaddress.Parse(text);
        relay = relayAddress.PeerId!;
        target = tail == 1 ? address.PeerId : null;
        return true;
    }
}
